"""``darkhorses health``: one yes/no for cron, systemd, Kubernetes probes and uptime monitors.

Healthy means the pipeline is doing its job unattended: a daily sync (``fetch --mode daily``, not
a retry, not an interrupted or failed run) succeeded within the last 25 hours (a day plus an
hour's slack for a slow run), no work unit failed in the last three days (failures are retried
by ``fetch --retry-failed`` and the worker's weekly job), and every data-quality check passes. A
database that cannot be opened is unhealthy too, with its reason. Times are London time, as
``status`` prints them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from darkhorses.errors import DarkHorsesError, DatabaseError
from darkhorses.london import LONDON
from darkhorses.ops.quality import run_checks
from darkhorses.ops.status import failed_units, last_success, london_time, open_for_reading, require_schema

DAILY_MAX_AGE = dt.timedelta(hours=25)
FAILED_WINDOW = dt.timedelta(days=3)
SHOWN_FAILURES = 3


class Unhealthy(DarkHorsesError):
    """The pipeline needs attention; the message says why, in one line."""

    exit_code = 1


@dataclass(frozen=True)
class HealthReport:
    problems: tuple[str, ...]
    summary: str
    """What was judged, for the healthy line."""

    @property
    def ok(self) -> bool:
        return not self.problems


def _ago(now: dt.datetime, then: dt.datetime) -> str:
    """London time, as ``status`` prints it."""
    hours = (now - then).total_seconds() / 3600
    return f"{london_time(then)} London time, {hours:.0f}h ago"


def check_health(engine: Engine, now: dt.datetime | None = None) -> HealthReport:
    """Judge the database at ``now``; every failing condition is one entry of ``problems``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    require_schema(engine)
    problems = []
    with engine.connect() as connection:
        daily = last_success(connection)
        failed, recent = failed_units(connection, since=now - FAILED_WINDOW, limit=SHOWN_FAILURES)
    if daily is None:
        problems.append("no successful daily run yet (run `darkhorses fetch --mode daily`)")
    elif now - daily > DAILY_MAX_AGE:
        problems.append(f"no successful daily run in the last 25 hours (last: {_ago(now, daily)})")
    if failed:
        shown = "; ".join(f"{unit.job} {unit.key}: {unit.reason}" for unit in recent)
        problems.append(f"{failed} failed units in the last 3 days ({shown})")
    checks = run_checks(engine, now.astimezone(LONDON).date())
    problems += [check.reason() for check in checks if not check.ok]
    summary = (f"last daily run {_ago(now, daily) if daily else 'never'}; no failed units in 3 days; "
               f"{len(checks)} data-quality checks pass")
    return HealthReport(tuple(problems), summary)


def probe(database_url: str, now: dt.datetime | None = None) -> HealthReport:
    """Open the database and judge it. An unreachable or empty database is a problem, not a crash."""
    try:
        return check_health(open_for_reading(database_url), now)
    except DatabaseError as exc:
        return HealthReport((str(exc),), "")


def require_healthy(report: HealthReport) -> str:
    """The healthy line, or :class:`Unhealthy` carrying every problem on one line."""
    if not report.ok:
        raise Unhealthy("unhealthy: " + "; ".join(problem.replace("\n", " ") for problem in report.problems))
    return f"healthy: {report.summary}"
