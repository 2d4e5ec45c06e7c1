"""Alerts: one message when the pipeline needs attention, one more when it has recovered.

Messages go through Apprise to every URL in ``DARKHORSES_ALERT_URLS`` (Slack, Discord, Teams,
Telegram, e-mail, JSON webhooks, ...). Apprise is the ``alerts`` extra; configured without it,
every place that would alert logs one line saying how to install it, and nothing else changes.

The problems (each has a stable key, a one-line summary and the command that fixes it):

* ``fetch_<mode>_failed``: a fetch run ended with an error; cleared by a run of the same mode
  that ends without one. ``populate_failed``: likewise for ``populate``.
* ``api_access``: the Racing API refused the credentials, or an endpoint is above the plan;
  cleared by a fetch that talks to the API and ends without an error.
* ``units_failed``: work units whose last attempt failed (the ledger); cleared when none are left.
* ``stale_daily``: no successful daily sync in the last 25 hours (as ``health`` judges).
* ``racecards_missing``: by :data:`RACECARDS_DUE` (London), no race is stored for tomorrow; before
  it, none for today. A racecards fetch of that date that found no racing since noon of the day
  before it (Christmas Day, an abandoned card) counts as racecards present.
* ``quarantine_spike``: a fetch run quarantined at least :data:`QUARANTINE_SPIKE_MIN` records,
  and at least :data:`QUARANTINE_SPIKE_SHARE` of everything it stored (a payload change, not the
  odd messy record); cleared by a run that completes without one.

Run outcomes are judged where the run ends (:func:`after_fetch`, :func:`watch_populate`); the
database conditions (failed units, staleness, racecards) are judged there too and by
:func:`check`, which ``health`` and the worker call. State lives in ``dh_alert_state``, so any
process on the database (cron, the worker, a hand-run fetch) sees what was already announced:
a problem is announced once, when it is first seen, and resolved once, when it clears. A message
that no target accepted is tried again at the next judgement. Nothing here ever raises into the
run it watches: a failure to alert is logged as one line.

Every message passes through a :class:`~darkhorses.racing_api.redact.Redactor` holding the API
credentials, the database password and the alert URLs' tokens, and so does every log line Apprise
writes while sending: no secret reaches a message or a log.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection, Engine

from darkhorses.config import Settings
from darkhorses.db.engine import describe, normalise_url
from darkhorses.db.schema import dh_alert_state, dh_work_units, ra_mst_races
from darkhorses.db.upsert import upsert
from darkhorses.errors import ConfigError, DarkHorsesError
from darkhorses.london import LONDON
from darkhorses.ops.health import DAILY_MAX_AGE
from darkhorses.ops.status import failed_units, last_success, open_for_reading
from darkhorses.racing_api.errors import AuthError, PlanError
from darkhorses.racing_api.redact import Redactor

if TYPE_CHECKING:
    from darkhorses.ingest.controller import FetchReport

log = logging.getLogger(__name__)

RACECARDS_DUE = dt.time(18, 0)
"""London time by which tomorrow's racecards must be stored (published the morning before)."""
NO_RACING_SINCE = dt.time(12, 0)
"""A racecards fetch of a date finding nothing after this time the day before means no racing."""
QUARANTINE_SPIKE_MIN = 10
QUARANTINE_SPIKE_SHARE = 0.01
SHOWN_UNITS = 3
RESOLVING_STALE_AFTER = dt.timedelta(minutes=10)
"""A resolved message claimed this long ago by a process that never finished sending it is retried."""
_DETAIL_LENGTH = 300


def utcnow() -> dt.datetime:
    """The clock of every judgement not given ``now`` (tests replace it)."""
    return dt.datetime.now(dt.timezone.utc)


class AlertError(DarkHorsesError):
    """A message could not be delivered to every alert target."""


@dataclass(frozen=True)
class Problem:
    """Something an operator must act on: what it is, and the command that fixes it."""

    key: str
    summary: str
    fix: str
    detail: str = ""


Findings = Mapping[str, Problem | None]
"""Judged problem keys: a :class:`Problem` when present, None when judged and clear. A key not in
the mapping was not judged and keeps its state."""


@dataclass(frozen=True)
class Message:
    """One notification as sent: ``kind`` is ``alert``, ``resolved`` or ``test``."""

    kind: str
    title: str
    body: str


class Notifier(Protocol):
    """Where messages go; :class:`AppriseNotifier` in production."""

    def send(self, message: Message) -> list[str]:
        """Deliver to every target; return each failed target's name and reason."""
        ...

    @property
    def targets(self) -> list[str]: ...


# --------------------------------------------------------------------------- secrets


def _tokenish(part: str) -> bool:
    """A URL component that may be a token: long, or letters mixed with digits (not a host name)."""
    return len(part) >= 16 or (len(part) >= 8 and bool(re.search(r"\d", part)) and bool(re.search(r"[A-Za-z]", part)))


def _alert_url_secrets(urls: str) -> list[str]:
    """Every part of the alert URLs that may be a secret: the URLs, their user and password, and
    token-like host, path and query parts (``slack://TokenA/TokenB/TokenC``)."""
    secrets: list[str] = []
    for url in (part for part in re.split(r"[\s,]+", urls) if part):
        secrets.append(url)
        try:
            parsed = urlsplit(url)
        except ValueError:  # not a URL urllib can read (Apprise may still): the whole of it is masked
            continue
        secrets += [value for value in (parsed.username, parsed.password) if value]
        host = parsed.netloc.rpartition("@")[2]  # as written: urllib lower-cases hostname (a token)
        parts = [host, *host.split(":"), *parsed.path.split("/"), *(v for _, v in parse_qsl(parsed.query))]
        secrets += [part for part in parts if _tokenish(part)]
    return secrets


def redactor(settings: Settings) -> Redactor:
    """A redactor of every secret the settings hold: API credentials, database password, alert URLs."""
    user, password = (s.get_secret_value() if s else "" for s in (settings.racing_api_username,
                                                                  settings.racing_api_password))
    others = _alert_url_secrets(settings.alert_urls.get_secret_value()) if settings.alert_urls else []
    try:
        others.append(normalise_url(settings.database_url).password or "")
    except ConfigError:
        pass
    return Redactor(user, password, *(str(secret) for secret in others))


# --------------------------------------------------------------------------- delivery


class _RedactedCapture(logging.Handler):
    """Keeps what Apprise warns of while sending, redacted (its lines can name whole URLs)."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__(logging.WARNING)
        self.redact = redact
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.redact(record.getMessage()).strip())


SENDING_LOGGERS = ("apprise", "urllib3", "requests")
"""Loggers that write while Apprise sends; their lines can hold whole URLs, tokens included."""


@contextmanager
def _apprise_logs(redact: Redactor) -> Iterator[_RedactedCapture]:
    """Keep the warnings of :data:`SENDING_LOGGERS`, redacted, in the handler this yields (a
    failed target's reason); let nothing of them reach the logs."""
    handler = _RedactedCapture(redact)
    loggers = [logging.getLogger(name) for name in SENDING_LOGGERS]
    saved = [(logger.handlers[:], logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.handlers[:] = [handler]
        logger.propagate = False
    try:
        yield handler
    finally:
        for logger, (handlers, propagate) in zip(loggers, saved):
            logger.handlers[:], logger.propagate = handlers, propagate


class AppriseNotifier:
    """Sends to each Apprise URL in turn, so that one broken target is named and the rest still get it."""

    def __init__(self, urls: str, redact: Redactor) -> None:
        try:
            import apprise
        except ImportError:
            raise ConfigError("DARKHORSES_ALERT_URLS is set but Apprise is not installed: "
                              "pip install 'darkhorses[alerts]'") from None
        self._apprise = apprise
        self.redact = redact
        self._servers = apprise.Apprise()
        with _apprise_logs(redact):  # the error below says it, without the URL
            added = self._servers.add(urls)
        if not added or len(self._servers) == 0:
            raise ConfigError("DARKHORSES_ALERT_URLS holds a URL Apprise does not understand "
                              "(see https://github.com/caronc/apprise/wiki for the URL forms)")

    @property
    def targets(self) -> list[str]:
        return [f"{n} ({server.service_name})" for n, server in enumerate(self._servers, start=1)]

    def send(self, message: Message) -> list[str]:
        kinds = {"alert": self._apprise.NotifyType.FAILURE, "resolved": self._apprise.NotifyType.SUCCESS}
        failed = []
        with _apprise_logs(self.redact) as captured:
            for target, server in zip(self.targets, self._servers):
                captured.lines.clear()
                try:
                    delivered = server.notify(body=message.body, title=message.title,
                                              notify_type=kinds.get(message.kind, self._apprise.NotifyType.INFO))
                except Exception as exc:  # noqa: BLE001 - a plugin's bug is one failed target, not a lost alert
                    captured.lines.append(type(exc).__name__)
                    delivered = False
                if not delivered:
                    failed.append(f"{target}: {captured.lines[0] if captured.lines else 'refused'}")
        return failed


def notifier_for(settings: Settings) -> Notifier | None:
    """The notifier ``DARKHORSES_ALERT_URLS`` describes; None when it is empty."""
    if not settings.alerts_configured():
        return None
    assert settings.alert_urls is not None
    return AppriseNotifier(settings.alert_urls.get_secret_value(), redactor(settings))


def send_test(settings: Settings, notifier: Notifier | None = None) -> str:
    """Send a test message to every target; the line to print, or a one-line error."""
    notifier = notifier or notifier_for(settings)
    if notifier is None:
        raise ConfigError("no alert targets: set DARKHORSES_ALERT_URLS to one or more Apprise URLs")
    message = Message("test", "DarkHorses test alert",
                      f"A test message from `darkhorses alert test` on {socket.gethostname()}: "
                      "alerts from this installation reach this target.")
    failed = notifier.send(message)
    if failed:
        raise AlertError(f"the test message was not delivered to {len(failed)} of {len(notifier.targets)} "
                         f"alert targets: {'; '.join(failed)} (check DARKHORSES_ALERT_URLS)")
    return f"sent a test message to {len(notifier.targets)} alert targets: {', '.join(notifier.targets)}"


# --------------------------------------------------------------------------- judging


def _one_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= _DETAIL_LENGTH else line[:_DETAIL_LENGTH - 1] + "…"


def judge_database(connection: Connection, settings: Settings, now: dt.datetime) -> dict[str, Problem | None]:
    """The conditions any process can judge from the database: failed units, staleness, racecards."""
    found: dict[str, Problem | None] = {}
    count, recent = failed_units(connection, limit=SHOWN_UNITS)
    found["units_failed"] = Problem(
        "units_failed", f"{count} work units failed at their last attempt", "darkhorses fetch --retry-failed",
        "; ".join(f"{unit.job} {unit.key}: {_one_line(unit.reason or '')}" for unit in recent),
    ) if count else None
    daily = last_success(connection)
    stale = daily is None or now - daily > DAILY_MAX_AGE
    found["stale_daily"] = Problem(
        "stale_daily", "no successful daily sync in the last 25 hours", "darkhorses fetch --mode daily",
        f"last successful daily sync: {daily:%Y-%m-%d %H:%M} UTC" if daily else "no daily sync has ever succeeded",
    ) if stale else None
    if settings.plan_includes("pro"):
        found["racecards_missing"] = _racecards_missing(connection, now)
    return found


def _racecards_missing(connection: Connection, now: dt.datetime) -> Problem | None:
    london = now.astimezone(LONDON)
    due = london.date() + dt.timedelta(days=1 if london.time() >= RACECARDS_DUE else 0)
    if connection.scalar(select(func.count()).select_from(ra_mst_races).where(ra_mst_races.c.date == due)):
        return None
    since = dt.datetime.combine(due - dt.timedelta(days=1), NO_RACING_SINCE, LONDON)
    no_racing = connection.scalar(select(func.count()).select_from(dh_work_units).where(
        dh_work_units.c.job == "racecards", dh_work_units.c.partition_key == due.isoformat(),
        dh_work_units.c.status == "done", dh_work_units.c.rows_written == 0, dh_work_units.c.finished_at >= since))
    if no_racing:
        return None
    return Problem("racecards_missing", f"no racecards stored for {due:%A %d %B %Y}",
                   f"darkhorses fetch --mode manual --tables racecards --start-date {due} --end-date {due}",
                   f"racecards for {due} are due by {RACECARDS_DUE:%H:%M} London time the day before")


def judge_fetch(report: FetchReport, raised: BaseException | None = None) -> dict[str, Problem | None]:
    """What one fetch run's outcome says. ``raised`` is the exception it ended with, if any.

    An interrupted run (a stop, Ctrl-C) judges nothing: it neither fails nor proves anything.
    """
    if isinstance(raised, AuthError | PlanError):
        fix = ("set RACING_API_PLAN (and RACING_API_HISTORY_ADDON) to what your account includes, then run "
               "`darkhorses fetch --mode daily`") if isinstance(raised, PlanError) else (
               "set RACING_API_USERNAME and RACING_API_PASSWORD to your Racing API credentials, then run "
               "`darkhorses fetch --mode daily`")
        return {"api_access": Problem("api_access", "The Racing API refused this account", fix, _one_line(str(raised)))}
    if report.status == "interrupted" or (raised is not None and not isinstance(raised, Exception)):
        return {}
    error = report.error or (f"{type(raised).__name__}: {raised}" if raised is not None else None)
    found: dict[str, Problem | None] = {}
    key = f"fetch_{report.mode}_failed"
    found[key] = Problem(key, f"fetch --mode {report.mode} failed", _rerun_fetch(report.mode),
                         _one_line(error)) if error else None
    if error is None and sum(report.api_calls.values()):
        found["api_access"] = None
    stored = sum(report.written.values()) + report.quarantined
    if report.quarantined >= QUARANTINE_SPIKE_MIN and report.quarantined >= QUARANTINE_SPIKE_SHARE * stored:
        found["quarantine_spike"] = Problem(
            "quarantine_spike", f"fetch --mode {report.mode} quarantined {report.quarantined} records",
            "darkhorses status (dh_quarantine holds each record with its reason; refetch after a fix with "
            "`darkhorses fetch --mode manual`)",
            f"{report.quarantined} of {stored} records could not be parsed: the API's payload may have changed")
    elif error is None:
        found["quarantine_spike"] = None
    return found


def _rerun_fetch(mode: str) -> str:
    if mode == "retry":  # recorded as its own mode, run as a flag
        return "darkhorses fetch --retry-failed"
    return "darkhorses fetch --mode daily" if mode == "daily" else f"darkhorses fetch --mode {mode} (the same options again)"


def judge_populate(error: BaseException | None) -> dict[str, Problem | None]:
    """What one populate run's outcome says (None: it succeeded)."""
    if error is None:
        return {"populate_failed": None}
    return {"populate_failed": Problem("populate_failed", "populate failed", "darkhorses populate",
                                       _one_line(f"{type(error).__name__}: {error}"))}


# --------------------------------------------------------------------------- state and messages


@dataclass(frozen=True)
class _Where:
    """What every message names so that an operator with several installations knows which."""

    database: str
    host: str

    def line(self) -> str:
        return f"Database: {self.database} (host {self.host})."


def _alert_message(problem: Problem, where: _Where, raised_at: dt.datetime) -> Message:
    body = [f"Problem: {problem.summary}."]
    if problem.detail:
        body.append(f"Detail: {problem.detail}")
    body += [f"Fix: {problem.fix}", f"Since: {raised_at:%Y-%m-%d %H:%M} UTC.", where.line()]
    return Message("alert", f"DarkHorses alert: {problem.summary}", "\n".join(body))


def _resolved_message(summary: str, where: _Where, raised_at: dt.datetime, now: dt.datetime) -> Message:
    body = [f"Resolved: {summary}.", f"Raised {raised_at:%Y-%m-%d %H:%M} UTC, cleared {now:%Y-%m-%d %H:%M} UTC.",
            where.line()]
    return Message("resolved", f"DarkHorses resolved: {summary}", "\n".join(body))


Send = Callable[[Message], "Message | None"]
"""Delivers a message (redacted first); the message as sent, or None when no target took it."""


def _sender(notifier: Notifier, redact: Redactor) -> Send:
    def send(message: Message) -> Message | None:
        message = Message(message.kind, redact(message.title), redact(message.body))
        failed = notifier.send(message)
        if failed:
            log.warning("alert %r not delivered to %s", message.title, "; ".join(failed))
        return message if len(failed) < len(notifier.targets) else None

    return send


def _raise(engine: Engine, problem: Problem, send: Send, now: dt.datetime, where: _Where) -> Message | None:
    state = dh_alert_state
    with engine.begin() as connection:
        upsert(connection, state, [{"problem": problem.key, "summary": problem.summary, "raised_at": now}],
               update_existing=False)
        # Still open: keep the summary current; a resolution not yet sent is called off.
        connection.execute(update(state).where(state.c.problem == problem.key)
                           .values(summary=problem.summary, resolving_at=None))
        claimed = connection.execute(update(state).where(state.c.problem == problem.key, state.c.notified_at.is_(None))
                                     .values(notified_at=now)).rowcount == 1
        raised_at = connection.scalar(select(state.c.raised_at).where(state.c.problem == problem.key))
    if not claimed:
        return None
    sent = send(_alert_message(problem, where, raised_at))
    if sent is not None:
        return sent
    with engine.begin() as connection:
        connection.execute(update(state).where(state.c.problem == problem.key).values(notified_at=None))
    return None


def _clear(engine: Engine, key: str, send: Send, now: dt.datetime, where: _Where) -> Message | None:
    state = dh_alert_state
    with engine.begin() as connection:
        connection.execute(delete(state).where(state.c.problem == key, state.c.notified_at.is_(None)))
        claimed = connection.execute(
            update(state).where(state.c.problem == key,
                                state.c.resolving_at.is_(None) | (state.c.resolving_at < now - RESOLVING_STALE_AFTER))
            .values(resolving_at=now)).rowcount == 1
        row = connection.execute(select(state.c.summary, state.c.raised_at).where(state.c.problem == key)).first()
    if not claimed or row is None:
        return None
    sent = send(_resolved_message(row.summary, where, row.raised_at, now))
    if sent is not None:
        with engine.begin() as connection:
            connection.execute(delete(state).where(state.c.problem == key, state.c.resolving_at == now))
        return sent
    with engine.begin() as connection:
        connection.execute(update(state).where(state.c.problem == key, state.c.resolving_at == now)
                           .values(resolving_at=None))
    return None


def apply_findings(engine: Engine, findings: Findings, notifier: Notifier, redact: Redactor,
                   now: dt.datetime) -> list[Message]:
    """Announce new problems and resolve cleared ones, once each across every process; return what was sent."""
    where = _Where(describe(engine.url), socket.gethostname())
    send = _sender(notifier, redact)
    sent = []
    for key, problem in findings.items():
        message = _raise(engine, problem, send, now, where) if problem else _clear(engine, key, send, now, where)
        if message is not None:
            sent.append(message)
    return sent


def open_problems(engine: Engine) -> list[tuple[str, str, dt.datetime]]:
    """The problems currently announced or awaiting announcement: ``(key, summary, raised_at)``."""
    with engine.connect() as connection:
        rows = connection.execute(select(dh_alert_state.c.problem, dh_alert_state.c.summary,
                                         dh_alert_state.c.raised_at).order_by(dh_alert_state.c.problem)).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


# --------------------------------------------------------------------------- the hooks


def _judge_and_send(settings: Settings, engine: Engine | None, run: Findings, now: dt.datetime | None,
                    notifier: Notifier | None) -> list[Message]:
    """Judge the database, add a run's findings, send; a failure is one log line, never raised."""
    if notifier is None and not settings.alerts_configured():
        return []
    redact = redactor(settings)
    try:
        notifier = notifier or notifier_for(settings)
        assert notifier is not None
        engine = engine or open_for_reading(settings.database_url)
        now = now or utcnow()
        with engine.connect() as connection:
            findings = {**judge_database(connection, settings, now), **run}
        return apply_findings(engine, findings, notifier, redact, now)
    except Exception as exc:  # noqa: BLE001 - alerting must never break the run it watches
        reason = str(exc) if isinstance(exc, DarkHorsesError) else f"{type(exc).__name__}: {exc}"
        log.error("alerts: %s", redact(_one_line(reason)))
        return []


def after_fetch(settings: Settings, engine: Engine, report: FetchReport, *, raised: BaseException | None = None,
                now: dt.datetime | None = None, notifier: Notifier | None = None) -> list[Message]:
    """Called once when a fetch run ends (``raised``: the exception it is ending with, if any)."""
    return _judge_and_send(settings, engine, judge_fetch(report, raised), now, notifier)


def check(settings: Settings, engine: Engine | None = None, *, now: dt.datetime | None = None,
          notifier: Notifier | None = None) -> list[Message]:
    """Judge the database alone (``health``, the worker): staleness, racecards, failed units."""
    return _judge_and_send(settings, engine, {}, now, notifier)


@dataclass
class PopulateWatch:
    """What the caller tells :func:`watch_populate` about a run that returned: a populate stopped
    by a signal returns with tables left, and that is not a recovery."""

    interrupted: bool = False


@contextmanager
def watch_populate(settings: Settings, engine: Engine, *, now: dt.datetime | None = None,
                   notifier: Notifier | None = None) -> Iterator[PopulateWatch]:
    """Around a populate run: alert if it raises (the exception goes on), resolve once it succeeds.

    An interrupt (Ctrl-C, SIGTERM) is neither.
    """
    watch = PopulateWatch()
    try:
        yield watch
    except Exception as exc:
        _judge_and_send(settings, engine, judge_populate(exc), now, notifier)
        raise
    if not watch.interrupted:
        _judge_and_send(settings, engine, judge_populate(None), now, notifier)
