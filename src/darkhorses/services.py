"""The long-running services and the checks around them, from Python: the scheduled worker, the
dashboard, the offline simulator, the health check and its alerts. ``darkhorses worker``,
``serve``, ``simulate``, ``health`` and ``alert test`` are these functions with flags.

Each takes the :class:`~darkhorses.config.Settings` it runs with; without them, the settings the
command reads (the environment and a ``.env`` file), so a script and a cron line agree.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from darkhorses.config import Settings, load_settings

if TYPE_CHECKING:
    from darkhorses.ops.health import HealthReport
    from darkhorses.ops.worker import Task
    from darkhorses.simulator.config import SimulatorConfig


def health(settings: Settings | None = None, *, now: dt.datetime | None = None) -> HealthReport:
    """The whole of ``darkhorses health`` for the database ``settings`` names: a database that
    cannot be opened is a problem in the report, not an exception (a probe must answer), and one
    that was judged also has its stale data alerted to ``DARKHORSES_ALERT_URLS``. For a verdict
    alone on an open database, :meth:`Database.health <darkhorses.Database.health>`."""
    from darkhorses.ops.alerts import check
    from darkhorses.ops.health import probe

    settings = settings or load_settings()
    report = probe(settings.database_url, now)
    if report.summary:  # the database was judged; one that cannot be opened keeps no alert state
        check(settings, now=now)
    return report


def worker_schedule(count: int = 12, *, after: dt.datetime | None = None) -> list[tuple[dt.datetime, Task]]:
    """The worker's next ``count`` runs after ``after`` (default now), soonest first, each a London
    time and the task (``name``, ``description``) it starts."""
    from darkhorses.london import LONDON
    from darkhorses.ops.worker import upcoming

    after = after or dt.datetime.now(dt.timezone.utc)
    return [(when.astimezone(LONDON), task) for when, task in upcoming(after, count)]


def run_worker(settings: Settings | None = None) -> None:
    """Run the pipeline on its timetable against the database in ``settings`` until SIGTERM or
    Ctrl-C (it installs its own handlers), holding the database's worker lock. The credentials
    are checked first: refused now, not at 01:00."""
    from darkhorses.db.migrate import open_for_writing
    from darkhorses.ops.worker import Worker

    settings = settings or load_settings()
    settings.credentials()
    runner = Worker(settings, open_for_writing(settings.database_url))
    runner.install_signal_handlers()
    runner.serve()


def serve(settings: Settings | None = None, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the read-only dashboard and /metrics of the database in ``settings`` until stopped.
    Refuses, before listening, a binding beyond loopback without ``DARKHORSES_DASHBOARD_TOKEN``."""
    from darkhorses.web import serve as run_dashboard

    run_dashboard(settings or load_settings(), host, port)


def simulate(config: SimulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the offline Racing API (``config``'s deterministic world; the default is a friendly
    demo server) over HTTP until stopped. In the same process, :func:`darkhorses.simulated_client`
    needs no port."""
    from darkhorses import simulator

    simulator.serve_forever(config or simulator.SimulatorConfig(), host, port)


def send_test_alert(settings: Settings | None = None) -> str:
    """Send a test message to every ``DARKHORSES_ALERT_URLS`` target; the line saying where it
    went. Raises when none is set or one fails, so a wrong URL shows up now, not at 3 a.m."""
    from darkhorses.ops.alerts import send_test

    return send_test(settings or load_settings())
