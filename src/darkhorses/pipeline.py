"""The pipeline's two steps from Python: :func:`fetch` racing data into a database, then
:func:`populate` the statistics tables. ``darkhorses fetch`` and ``darkhorses populate`` are
these functions with flags.

A fetch is the whole job the command runs, not a loop over the client's methods: its work units,
their ledger, resuming after an interruption, the run row and run file, the one-fetch-per-
database lock. The client says where the API is and what the account may do; the fetch runs
its requests concurrently on a client of its own with the same account and limits, so it works
from a notebook's running event loop as well as from a script.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import SecretStr

import darkhorses.stats.populate as statistics
from darkhorses.config import Settings
from darkhorses.database import Database, opened
from darkhorses.errors import ConfigError, DarkHorsesError
from darkhorses.ingest import controller
from darkhorses.ingest.controller import FetchOptions, FetchReport
from darkhorses.london import london_today
from darkhorses.ops.alerts import PopulateWatch, watch_populate
from darkhorses.racing_api.limiter import RateLimiter
from darkhorses.racing_api.sync import SyncRacingApiClient
from darkhorses.stats.populate import PopulateResult

if TYPE_CHECKING:
    from darkhorses.ingest.progress import Progress

CORE = "core"
"""The populate category that is fetch's daily sync (the previous system's name for it)."""
T = TypeVar("T")


class SyncFailed(DarkHorsesError):
    """The daily sync that ``populate(categories=["core", ...])`` runs first did not succeed; the
    statistics were not computed. ``report`` and ``run_file`` say what it did."""

    def __init__(self, report: FetchReport, run_file: Path) -> None:
        detail = report.stopped_line() if report.status == "interrupted" else (
            report.error or f"{len(report.failed)} units failed (`darkhorses fetch --retry-failed` retries them)")
        super().__init__(f"the daily sync before the statistics {report.status}: {detail}; run file {run_file}")
        self.report, self.run_file, self.exit_code = report, run_file, report.exit_code


def fetch(
    database: Database | str,
    client: SyncRacingApiClient | None = None,
    mode: str = "daily",
    *,
    tables: Sequence[str] = (),
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    days_back: int | None = None,
    racecard_days: int = 3,
    test: bool = False,
    retry_failed: bool = False,
    enrich: bool = True,
    enrich_limit: int | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> tuple[FetchReport, Path]:
    """Load racing data into ``database`` through ``client``'s account: ``mode`` is ``backfill``,
    ``daily`` or ``manual`` (the other arguments are ``darkhorses fetch``'s flags). Returns the
    run's report and its run file.

    Bad options, then missing credentials, are refused before the database is touched; a URL
    (rather than a :class:`Database`) is opened, created if need be, only after both checks.
    ``today`` pins the calendar (the simulator's, in tests). ``settings`` supply what a run keeps
    besides data (regions, the run-file directory, the raw archive, alert targets) and, without a
    ``client``, the account too (the command line's way); with neither: Great Britain and
    Ireland, run files in ``./logs``, no archive, no alerts. A failed or interrupted run is a
    report that says so (``report.success``, ``report.exit_code``); credentials or plan problems
    and an unreachable API raise.
    """
    if client is None and settings is None:
        raise ConfigError("fetch needs a client (or settings that describe one)")
    options = FetchOptions(mode=mode, tables=tuple(tables), start_date=start_date, end_date=end_date,
                           days_back=days_back, racecard_days=racecard_days, test=test, retry_failed=retry_failed,
                           enrich=enrich, enrich_limit=enrich_limit)
    engine = database.engine if isinstance(database, Database) else None
    url = engine.url.render_as_string(hide_password=False) if engine is not None else str(database)
    run_settings = _run_settings(client, settings, url)
    own: dict[str, Any] = {}  # the client's transport (the simulator's, say), limits and retries
    if client is not None:
        own = {"transport": client.client.transport, "limiter": RateLimiter(client.client.limits),
               "retry": client.client.retry}
    with _signal_handlers_kept():
        return _outside_running_loop(controller.fetch, run_settings, options, engine=engine, today=today,
                                     progress=progress, **own)


def populate(
    database: Database | str,
    *,
    categories: Sequence[str] = (),
    tables: Sequence[str] = (),
    as_of: dt.date | str | None = None,
    full: bool = False,
    since: dt.date | str | None = None,
    lookback: int | None = None,
    min_runs: int = statistics.MIN_RUNS,
    min_group_runs: int = statistics.MIN_GROUP_RUNS,
    test: bool = False,
    client: SyncRacingApiClient | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> PopulateResult:
    """Compute the statistics tables as of ``as_of`` (a date or ``YYYY-MM-DD``; default: today in
    London), each replaced atomically; all of them unless ``categories`` or ``tables`` name some. ``test`` computes a
    recent slice and writes nothing. After a populate of every table with the same parameters, only
    what changed since is recomputed, unless ``full``. ``since`` (a date or ``YYYY-MM-DD``) or
    ``lookback`` (days, ``as_of`` included) narrow the runs counted; ``min_runs`` and
    ``min_group_runs`` are the smallest groups written (docs/statistics.md).

    The category ``core`` is fetch's daily sync (``client``, ``today`` and ``settings`` as for
    :func:`fetch`), run first; on its own it computes nothing else, and if the sync does not
    succeed :class:`SyncFailed` is raised before any statistic is computed. With ``settings``,
    alert targets hear of a failed batch. ``should_stop`` is asked before each table: once true,
    the tables in flight finish and the rest come back in ``result.left`` with their previous
    contents.
    """
    if isinstance(as_of, str):
        as_of = statistics.parse_as_of(as_of)
    if isinstance(since, str):
        since = statistics.parse_as_of(since, "--since")
    statistics.check_window(since, lookback, min_runs, min_group_runs)
    wanted = [category for category in categories if category != CORE]
    statistics.select_jobs(wanted, tables)  # unknown names are refused before anything is opened
    notes: tuple[str, ...] = ()
    if CORE in categories:
        report, run_file = fetch(database, client, "daily", today=today, progress=progress, settings=settings)
        if not report.success:
            raise SyncFailed(report, run_file)
        notes = (f"daily sync: {sum(report.written.values())} rows written with {sum(report.api_calls.values())} "
                 f"API calls; run file {run_file}",)
        if not wanted and not tables:
            now = dt.datetime.now(dt.timezone.utc)
            return PopulateResult(as_of or london_today(now), now, test, 0, (), notes)
    with opened(database, create=False) as db:
        watching = watch_populate(settings, db.engine) if settings is not None and not test else None
        with watching or nullcontext(PopulateWatch()) as watch:
            result = statistics.populate(db.engine, categories=wanted, tables=tables, as_of=as_of, test=test,
                                         full=full, since=since, lookback=lookback, min_runs=min_runs,
                                         min_group_runs=min_group_runs, should_stop=should_stop)
            watch.interrupted = bool(result.left)
    return dataclasses.replace(result, notes=notes + result.notes)


def _run_settings(client: SyncRacingApiClient | None, settings: Settings | None, database_url: str) -> Settings:
    """The settings a fetch run takes: ``settings`` (or the defaults, without the environment, an
    archive or alerts) with the database's URL and the client's account, limits and timeouts."""
    base = settings if settings is not None else Settings.model_construct(archive_enabled=False)
    update: dict[str, Any] = {"database_url": database_url}
    if client is not None:
        api = client.client
        update |= {
            "racing_api_username": SecretStr(api.username), "racing_api_password": api.password,
            "racing_api_base_url": api.base_url, "racing_api_plan": api.plan,
            "racing_api_history_addon": api.history_addon, "racing_api_timeout_seconds": api.timeout,
            "racing_api_results_page_limit": api.results_page_limit, "rate_limit_default": api.limits.default,
            "rate_limit_racecards": api.limits.racecards, "rate_limit_reference": api.limits.reference,
            "rate_limit_global": api.limits.global_, "rate_limit_per_10s": api.limits.per_10s,
            "max_attempts": api.retry.max_attempts, "rate_limit_cooloff_seconds": api.retry.cooloff_seconds,
        }
    return base.model_copy(update=update)


@contextmanager
def _signal_handlers_kept() -> Iterator[None]:
    """A fetch stops cleanly on SIGINT and SIGTERM through handlers on its event loop, and asyncio
    resets both signals to their defaults when it removes them: put back the caller's own (a
    populate's, a script's)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in kept.items():
            if handler is not None:
                signal.signal(signum, handler)


def _outside_running_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``function``, which runs an event loop of its own: here, or in a thread of its own
    when this thread is already running one (a Jupyter notebook), where a second loop cannot start."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(1, thread_name_prefix="darkhorses-fetch") as pool:
        return pool.submit(function, *args, **kwargs).result()
