"""``darkhorses fetch``: plan a mode's work units, run them inside the rate limits, record it all.

Modes (the flags follow the previous system's controller, which users know):

* **backfill**: reference data, results for every date the plan allows, Pro racecards from
  2023-01-23, then enrichment of every new horse. Units already done are skipped, so a rerun
  after a crash resumes; the last few days are always re-synced because results still change.
* **daily**: reference data when stale, racecards for today and the next days, results for the
  last three days (late results, amendments), enrichment of new horses.
* **manual**: the named tables for a date range or ``--days-back``.

Each unit's rows and its ledger entry commit in one transaction. A unit that fails is recorded
with its reason and the run goes on (``--retry-failed`` reruns exactly those, recorded as mode
``retry``); credentials or plan problems, and an API that cannot be reached at all, stop the run
at once, since retrying cannot fix them.

A run tells the truth about how it ended. SIGINT (Ctrl-C) or SIGTERM abandons the requests in
flight, lets the units being written commit, starts nothing new, and records the run as
``interrupted`` with its units done and left; the same command then resumes: it skips the units
the interrupted run (and any resumed runs before it) completed, even in modes that otherwise
fetch everything they are asked for again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from darkhorses.collector import collector_paused
from darkhorses.config import Settings
from darkhorses.db.engine import for_writing
from darkhorses.db.locks import beat, database_lock, lock_holder
from darkhorses.db.migrate import open_for_writing
from darkhorses.db.schema import dh_quarantine, dh_runs, ra_metadata_tracking, ra_mst_regions
from darkhorses.errors import ConfigError, DarkHorsesError
from darkhorses.ingest import ledger
from darkhorses.ingest.collection import record_tables
from darkhorses.ingest.horses import fetch_horse, pending_count, refresh_ages, unenriched
from darkhorses.ingest.ledger import Unit
from darkhorses.ingest.pages import PageReaders, page_readers
from darkhorses.ingest.racecards import DAYS_AHEAD, FIRST_PRO_RACECARD, fetch_racecards
from darkhorses.ingest.reference import fetch_courses, fetch_regions
from darkhorses.ingest.runfiles import write_run_file
from darkhorses.ingest.results import HISTORY_START, RESULTS_WINDOW_DAYS, fetch_results
from darkhorses.ingest.transform import Batch
from darkhorses.ingest.writer import write_batch
from darkhorses.ops import alerts
from darkhorses.racing_api.archive import RawArchive
from darkhorses.racing_api.client import RacingApiClient
from darkhorses.racing_api.errors import AuthError, PlanError, RacingApiError, Unreachable
from darkhorses.racing_api.limiter import RateLimiter
from darkhorses.racing_api.retry import RetryPolicy

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
MODES = ("backfill", "daily", "manual")
BACKFILL_START = dt.date(2015, 1, 1)
RESULTS_DAYS_BACK = 2
"""Results of the last three days change (late results, amendments): always fetched again."""
REFERENCE_MAX_AGE = dt.timedelta(days=30)
TEST_DAYS = 7
TEST_HORSES = 25
PROGRESS_EVERY = 30.0
"""Seconds between progress lines, at most, when not on a terminal."""
SIGNAL_EXIT_CODES = {"SIGINT": 130, "SIGTERM": 143}
"""The shell's codes for a process ended by these signals (128 + the signal number)."""
STOP_REQUEST = "a stop request"
"""What interrupted a run whose ``should_stop`` said so (the worker shutting down)."""
FATAL = (AuthError, PlanError, Unreachable)
"""Failures no retry of a unit can fix: the run stops."""
LOCK_STALE_AFTER = dt.timedelta(minutes=15)
RESUME_LOOKBACK = 50
"""Runs of a mode searched for the last one of the same command."""
RESUME_WITHIN = dt.timedelta(hours=6)
"""How recent an interrupted run must be for the same command to resume it rather than start afresh."""
WORKER_MIN_DATE_UNITS = 8
"""Racecard and results units from which pages are read in a worker process (see
:mod:`darkhorses.ingest.pages`); below it, starting the process costs more than it saves."""

JOBS: dict[str, tuple[str, ...]] = {
    "regions": ("ra_mst_regions",),
    "courses": ("ra_mst_courses",),
    "racecards": ("ra_mst_races", "ra_mst_runners", "ra_mst_bookmakers", "ra_runner_odds", "ra_runner_supplementary",
                  "ra_mst_jockeys", "ra_mst_trainers", "ra_mst_owners", "ra_mst_sires", "ra_mst_dams",
                  "ra_mst_damsires"),
    "results": ("ra_mst_race_results", "ra_mst_races", "ra_mst_runners"),
    "horses": ("ra_mst_horses", "ra_horse_pedigree"),
}
"""Each job and the tables it loads (``--tables`` accepts either)."""
SOURCES = {
    "regions": "/v1/courses/regions",
    "courses": "/v1/courses",
    "racecards": "/v1/racecards/pro (one call per date)",
    "results": "/v1/results (one call per date per page)",
    "horses": "/v1/horses/{id}/pro, else /standard (once per new horse)",
}
MODES_LOADING = {
    "regions": "backfill, daily (monthly), manual",
    "courses": "backfill, daily (monthly), manual",
    "racecards": "backfill (from 2023-01-23), daily (today + N days), manual",
    "results": "backfill, daily (last 3 days), manual",
    "horses": "every mode (new horses only)",
}


@dataclass(frozen=True)
class FetchOptions:
    """What to fetch. Validated by :func:`plan_units`, which explains any refusal in one line."""

    mode: str
    tables: tuple[str, ...] = ()
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    days_back: int | None = None
    racecard_days: int = 3
    test: bool = False
    retry_failed: bool = False
    enrich: bool = True
    """False (``--no-enrich``): no horse profiles this run; they stay pending for a later one."""
    enrich_limit: int | None = None
    """At most this many horse profiles this run (``--test``: 25); None: every pending horse."""
    concurrency: int = 8
    should_stop: Callable[[], bool] | None = field(default=None, compare=False)
    """Asked before each unit; True (a SIGTERM to the worker) leaves the rest for the next run."""

    @property
    def recorded_mode(self) -> str:
        """The mode in ``dh_runs`` and the run file: a retry is not the mode it was typed with."""
        return "retry" if self.retry_failed else self.mode

    def signature(self) -> dict[str, Any]:
        """What makes two runs "the same command", for resuming an interrupted one."""
        return {"tables": sorted(self.tables), "start_date": _iso(self.start_date), "end_date": _iso(self.end_date),
                "days_back": self.days_back, "racecard_days": self.racecard_days, "test": self.test}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass
class FetchReport:
    """What a run did; also written as the JSON run file."""

    mode: str
    started_at: dt.datetime
    notes: list[str] = field(default_factory=list)
    written: Counter[str] = field(default_factory=Counter)
    added: Counter[str] = field(default_factory=Counter)
    """Rows each table gained (new less deleted), for ``ra_metadata_tracking``."""
    api_calls: Counter[str] = field(default_factory=Counter)
    api_429s: Counter[str] = field(default_factory=Counter)
    api_retries: Counter[str] = field(default_factory=Counter)
    units_done: Counter[str] = field(default_factory=Counter)
    failed: list[dict[str, str]] = field(default_factory=list)
    quarantined: int = 0
    unparsed: Counter[str] = field(default_factory=Counter)
    unknown_fields: Counter[str] = field(default_factory=Counter)
    finished_at: dt.datetime | None = None
    error: str | None = None
    archive: str | None = None
    stopped: int = 0
    """Units not done because the run stopped early (a signal, a stop request, a dead API); the
    ledger has them as not done."""
    interrupted_by: str | None = None
    """``SIGINT``, ``SIGTERM`` or :data:`STOP_REQUEST`."""
    planned: int = 0
    """Units this run set out to do (after skipping those done), enrichment included once listed."""
    options: dict[str, Any] = field(default_factory=dict)
    resume_since: dt.datetime | None = None
    """When resuming: the start of the first interrupted run of this command; its done units are skipped."""

    @property
    def success(self) -> bool:
        return self.error is None and not self.failed and not self.stopped and self.interrupted_by is None

    @property
    def status(self) -> str:
        """``dh_runs.status``: succeeded, failed (an error or failed units) or interrupted."""
        if self.interrupted_by is not None and self.error is None:
            return "interrupted"
        return "succeeded" if self.success else "failed"

    @property
    def units_left(self) -> int:
        return self.stopped

    @property
    def exit_code(self) -> int:
        """0 on success; 130 or 143 after SIGINT or SIGTERM, as the shell would say; else 1."""
        if self.success:
            return 0
        return SIGNAL_EXIT_CODES.get(self.interrupted_by or "", 1) if self.status == "interrupted" else 1

    def stopped_line(self) -> str:
        """One line for an interrupted run: what was done, what is left, how to resume."""
        done = sum(self.units_done.values())
        total = done + len(self.failed) + self.stopped
        jobs = ", ".join(f"{job} {count}" for job, count in sorted(self.units_done.items()) if count)
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return (f"interrupted by {self.interrupted_by}: {done} of {total} units done"
                f"{f' ({jobs})' if jobs else ''}{failed}, {self.stopped} left; run the same command again to resume")

    def to_json(self) -> dict[str, Any]:
        finished = self.finished_at or dt.datetime.now(dt.timezone.utc)
        return {
            "mode": self.mode,
            "status": self.status,
            "success": self.success,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": finished.isoformat(timespec="seconds"),
            "duration_seconds": round((finished - self.started_at).total_seconds(), 3),
            "notes": self.notes,
            "tables": dict(sorted(self.written.items())),
            "api_calls": dict(sorted(self.api_calls.items())),
            "api_429s": dict(sorted(self.api_429s.items())),
            "api_retries": dict(sorted(self.api_retries.items())),
            "units_done": dict(sorted(self.units_done.items())),
            "failed_units": self.failed,
            "quarantined_records": self.quarantined,
            "unparsed_values": dict(sorted(self.unparsed.items())),
            "unknown_fields": dict(sorted(self.unknown_fields.items())),
            "archive": self.archive,
            "stopped_units": self.stopped,
            "units_left": self.units_left,
            "interrupted_by": self.interrupted_by,
            "options": self.options,
            "resume_since": self.resume_since.isoformat() if self.resume_since else None,
            "error": self.error,
        }


def london_today() -> dt.date:
    return dt.datetime.now(LONDON).date()


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def jobs_for(tables: tuple[str, ...]) -> list[str]:
    """Map ``--tables`` (job names or ``ra_*`` table names) to jobs, refusing unknown names."""
    jobs: list[str] = []
    for name in tables:
        matches = [job for job, loaded in JOBS.items() if name == job or name in loaded]
        if not matches:
            known = ", ".join([*JOBS, *sorted({t for loaded in JOBS.values() for t in loaded})])
            raise ConfigError(f"unknown table {name!r}; choose from {known}")
        jobs.extend(job for job in matches if job not in jobs)
    return jobs


def _results_start(settings: Settings, today: dt.date) -> dt.date:
    return HISTORY_START if settings.racing_api_history_addon else today - dt.timedelta(days=RESULTS_WINDOW_DAYS)


def plan_units(options: FetchOptions, settings: Settings, today: dt.date) -> tuple[list[Unit], list[str]]:
    """The units a mode needs before enrichment, plus plain notes on what it will not fetch."""
    if options.mode not in MODES:
        raise ConfigError(f"unknown mode {options.mode!r}; choose from {', '.join(MODES)}")
    if options.days_back is not None and options.days_back < 0:
        raise ConfigError(f"--days-back must be 0 or more, not {options.days_back}")
    if not 0 <= options.racecard_days <= DAYS_AHEAD:
        raise ConfigError(f"racecards can be fetched at most {DAYS_AHEAD} days ahead, not {options.racecard_days}")
    notes: list[str] = []
    if options.mode == "daily":
        _refuse_date_flags(options)
        ahead = 0 if options.test else options.racecard_days
        racecard_days = _days(today, today + dt.timedelta(days=ahead))
        result_days = _days(today - dt.timedelta(days=RESULTS_DAYS_BACK), today)
        jobs = ["regions", "courses", "racecards", "results"]
    else:
        start, end = _date_range(options, today)
        jobs = jobs_for(options.tables) if options.tables else ["regions", "courses", "racecards", "results"]
        skipped: dict[str, str] = {}
        racecard_days = _racecard_days(start, end, options.mode, today, skipped)
        result_days = _result_days(start, end, settings, today, skipped)
        _refuse_nothing_to_fetch(options, jobs, {"racecards": racecard_days, "results": result_days}, skipped)
        notes += [f"{reason}: skipped" for job, reason in skipped.items() if job in jobs]
    if not settings.plan_includes("pro") and "racecards" in jobs:
        notes.append(f"your plan ({settings.racing_api_plan}) does not include Pro racecards: skipped")
        jobs.remove("racecards")
    if not settings.plan_includes("standard") and "results" in jobs:
        notes.append(f"your plan ({settings.racing_api_plan}) does not include results: skipped")
        jobs.remove("results")
    units = [Unit(job, "all") for job in ("regions", "courses") if job in jobs]
    units += [Unit("racecards", day.isoformat()) for day in racecard_days if "racecards" in jobs]
    units += [Unit("results", day.isoformat()) for day in result_days if "results" in jobs]
    return units, notes


def _refuse_date_flags(options: FetchOptions) -> None:
    """Daily mode picks its own dates: a date flag given with it would be silently ignored."""
    for flag, value in (("--days-back", options.days_back), ("--start-date", options.start_date),
                        ("--end-date", options.end_date)):
        if value is not None:
            raise ConfigError(f"{flag} is for --mode manual or backfill; daily fetches racecards for today + "
                              f"--racecard-days and results for the last {RESULTS_DAYS_BACK + 1} days")


def _refuse_nothing_to_fetch(options: FetchOptions, jobs: list[str], days: dict[str, list[dt.date]],
                             skipped: dict[str, str]) -> None:
    """A dated job that was asked for by name, or every dated job of the run, with no date left
    that can exist: refuse rather than "succeed" having done nothing."""
    dated = [job for job in ("racecards", "results") if job in jobs]
    empty = [job for job in dated if not days[job]]
    named = [job for job in empty if options.tables and job in jobs_for(options.tables) and job in skipped]
    if not named and (not dated or empty != dated):
        return
    reasons = [skipped[job] for job in (named or empty) if job in skipped]
    if reasons:
        raise ConfigError("nothing to fetch: " + "; ".join(reasons))


def _date_range(options: FetchOptions, today: dt.date) -> tuple[dt.date, dt.date]:
    end = options.end_date or today
    if options.days_back is not None:
        if options.start_date is not None:
            raise ConfigError("give either --start-date or --days-back, not both")
        start = end - dt.timedelta(days=options.days_back)
    elif options.start_date is not None:
        start = options.start_date
    elif options.mode == "backfill":
        start = BACKFILL_START
    elif options.test:
        start = end - dt.timedelta(days=TEST_DAYS - 1)
    else:
        raise ConfigError("manual mode needs --start-date or --days-back (or --test: the last 7 days)")
    if start > end:
        raise ConfigError(f"--start-date {start} is after --end-date {end}")
    if end > today + dt.timedelta(days=DAYS_AHEAD):
        raise ConfigError(f"--end-date {end} is beyond the API's window (racecards up to {DAYS_AHEAD} days ahead)")
    if options.test:
        start = max(start, end - dt.timedelta(days=TEST_DAYS - 1))
    return start, end


def _racecard_days(start: dt.date, end: dt.date, mode: str, today: dt.date,
                   skipped: dict[str, str]) -> list[dt.date]:
    """The racecard dates of a range; why any were left out goes to ``skipped["racecards"]``."""
    last = end if mode == "manual" else min(end, today)
    first = max(start, FIRST_PRO_RACECARD)
    if start < FIRST_PRO_RACECARD:
        skipped["racecards"] = f"Pro racecards before {FIRST_PRO_RACECARD} do not exist"
    return _days(first, last) if first <= last else []


def _result_days(start: dt.date, end: dt.date, settings: Settings, today: dt.date,
                 skipped: dict[str, str]) -> list[dt.date]:
    """The results dates of a range; why any were left out goes to ``skipped["results"]``."""
    floor = _results_start(settings, today)
    first, last = max(start, floor), min(end, today)
    reasons = []
    if start < floor:
        reason = "" if settings.racing_api_history_addon else " without the history add-on (RACING_API_HISTORY_ADDON)"
        reasons.append(f"results before {floor} are not available{reason}")
    if end > today:
        reasons.append(f"results after today ({today}) do not exist yet")
    if reasons:
        skipped["results"] = "; ".join(reasons)
    return _days(first, last) if first <= last else []


def _always_refetched(unit: Unit, options: FetchOptions, today: dt.date, engine: Engine) -> bool:
    """Units fetched even when done: manual mode fetches exactly what it is asked for; recent
    dates still change; stale reference data is refreshed. Backfill resumes past everything else."""
    if options.mode == "manual":
        return True
    if unit.job in ("racecards", "results"):
        return dt.date.fromisoformat(unit.key) >= today - dt.timedelta(days=RESULTS_DAYS_BACK)
    return options.mode == "daily" and _reference_age(engine, unit.job) > REFERENCE_MAX_AGE


def _reference_age(engine: Engine, job: str) -> dt.timedelta:
    query = select(ra_metadata_tracking.c.last_updated).where(ra_metadata_tracking.c.table_name == JOBS[job][0])
    with engine.connect() as connection:
        updated = connection.scalar(query)
    return dt.timedelta.max if updated is None else dt.datetime.now(dt.timezone.utc) - updated


# --------------------------------------------------------------------------- the run


def _mark_interrupted(connection: Connection, host: str, pid: str, now: dt.datetime) -> None:
    """A killed fetch never finished its run row: say so, so status and health tell the truth."""
    connection.execute(
        update(dh_runs)
        .where(dh_runs.c.status == "running", dh_runs.c.host == host, dh_runs.c.pid == int(pid))
        .values(status="interrupted", success=False, finished_at=now, error="the process ended before the run finished")
    )


def fetch_lock(engine: Engine, holder: str) -> AbstractContextManager[None]:
    """One fetch per database (see :mod:`darkhorses.db.locks`)."""
    return database_lock(engine, "fetch", holder, stale_after=LOCK_STALE_AFTER, on_take_over=_mark_interrupted)


class Progress(Protocol):
    """Where a run reports progress: a Rich bar on a terminal, log lines elsewhere."""

    def add(self, job: str, total: int) -> None: ...

    def advance(self, job: str) -> None: ...


class LogProgress:
    """Progress as log lines (for cron and containers): every tenth of a job, at its end, and at
    least every :data:`PROGRESS_EVERY` while units land (a long enrichment's tenth can take an hour)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._totals: dict[str, int] = {}
        self._done: Counter[str] = Counter()
        self._clock = clock
        self._last = clock()

    def add(self, job: str, total: int) -> None:
        self._totals[job] = self._totals.get(job, 0) + total

    def advance(self, job: str) -> None:
        self._done[job] += 1
        done, total = self._done[job], self._totals[job]
        now = self._clock()
        if done == total or done % max(1, total // 10) == 0 or now - self._last >= PROGRESS_EVERY:
            self._last = now
            log.info("%s: %d/%d units", job, done, total)


class _Run:
    """One fetch run: executes units, keeps the report, writes the ledger."""

    def __init__(self, engine: Engine, api: RacingApiClient, settings: Settings, options: FetchOptions,
                 report: FetchReport, run_id: int, holder: str, progress: Progress, readers: PageReaders) -> None:
        self.engine, self.api, self.settings, self.options = engine, api, settings, options
        self.report, self.run_id, self.holder, self.progress = report, run_id, holder, progress
        self.readers = readers
        self._writing = asyncio.Lock()
        self._fetching: set[asyncio.Future[Batch]] = set()
        self.fatal: RacingApiError | None = None

    def interrupt(self, reason: str) -> None:
        """Stop the run (a signal handler): abandon the requests in flight, start nothing new.
        Units already being written still commit; everything else stays in the ledger as not done."""
        if self.report.interrupted_by is not None:
            return
        log.warning("%s: stopping; units being written finish, requests in flight are abandoned", reason)
        self.report.interrupted_by = reason
        for fetch in list(self._fetching):
            fetch.cancel()

    def stopping(self) -> bool:
        """True once the run was interrupted, a fatal error met, or ``should_stop`` said so (asked
        only until it first says yes, and only when a unit is about to start)."""
        if self.report.interrupted_by is None and self.fatal is None and self.options.should_stop is not None \
                and self.options.should_stop():
            log.info("a stop was requested; the units in flight finish")
            self.report.interrupted_by = STOP_REQUEST
        return self.report.interrupted_by is not None or self.fatal is not None

    async def chain(self, units: list[Unit]) -> None:
        """Fetch ``units`` at once, then write them together (see :meth:`_together`)."""
        if self.stopping():
            self.report.stopped += len(units)
            for unit in units:
                self.progress.advance(unit.job)
            return
        fetches = [asyncio.ensure_future(self.produce(unit)()) for unit in units]
        self._fetching.update(fetches)
        for fetch in fetches:
            fetch.add_done_callback(self._fetching.discard)
        try:
            await self._together(units, fetches)
        finally:
            for fetch in fetches:
                fetch.cancel()
            await asyncio.gather(*fetches, return_exceptions=True)
            for unit in units:
                self.progress.advance(unit.job)

    async def _together(self, units: list[Unit], fetches: list[asyncio.Future[Batch]]) -> None:
        """Write the units whose fetch succeeded in one transaction, later units' values winning.

        A date's racecard and results written together store exactly what the racecard then the
        results would, since an upsert of several rows for one key keeps the later values; but
        each runner is written once instead of inserted then updated, in one commit instead of
        two. A unit whose fetch fails is recorded as failed and the others go on without it.
        """
        started = dt.datetime.now(dt.timezone.utc)
        fetched: list[tuple[Unit, Batch]] = []
        for unit, fetch in zip(units, fetches):
            try:
                fetched.append((unit, await fetch))
            except asyncio.CancelledError:
                if self.report.interrupted_by is None and self.fatal is None:
                    raise
                self.report.stopped += 1
            except FATAL as exc:
                self._fatal(exc)
                self.report.stopped += 1
            except RacingApiError as exc:
                self._failed(unit, exc, started)
        if not fetched:
            return
        try:
            async with self._writing:
                written, added = await asyncio.to_thread(self._write, fetched, started)
        except SQLAlchemyError as exc:
            for unit, _ in fetched:
                self._failed(unit, exc, started)
            return
        self.report.written.update(written)
        self.report.added.update(added)
        for unit, batch in fetched:
            self.report.units_done[unit.job] += 1
            self.report.quarantined += len(batch.quarantined)
            self.report.unparsed.update(batch.unparsed)
            log.debug("unit %s: %d rows", unit, batch.row_count())

    def _fatal(self, error: RacingApiError) -> None:
        """Remember the first failure that ends the run and abandon the other requests: they
        would meet it too. :meth:`run_chains` raises it once every chain has stopped."""
        if self.fatal is None:
            self.fatal = error
            for fetch in list(self._fetching):
                fetch.cancel()

    def _failed(self, unit: Unit, error: Exception, started: dt.datetime) -> None:
        reason = str(error).splitlines()[0]
        log.warning("unit %s failed: %s", unit, reason)
        ledger.mark_failed(self.engine, unit, self.run_id, reason, started)
        self.report.failed.append({"job": unit.job, "key": unit.key, "reason": reason})

    @collector_paused
    def _write(self, fetched: list[tuple[Unit, Batch]], started: dt.datetime) -> tuple[Counter[str], Counter[str]]:
        """Units' rows, quarantined records and ledger entries in one transaction. Runs in a
        thread, one write at a time, so that the event loop keeps starting requests meanwhile."""
        rows = fetched[0][1]
        if len(fetched) > 1:
            rows = Batch()
            for _, batch in fetched:
                rows.extend(batch)
        with self.engine.begin() as connection:
            added: Counter[str] = Counter()
            written = write_batch(connection, rows, added)
            for unit, batch in fetched:
                if batch.quarantined:
                    connection.execute(insert(dh_quarantine), [
                        {"run_id": self.run_id, "job": unit.job, "partition_key": unit.key,
                         "record_key": q.record_key, "reason": q.reason, "raw": q.raw}
                        for q in batch.quarantined
                    ])
                ledger.mark_done(connection, unit, self.run_id, batch.row_count(), started)
            beat(connection, "fetch", self.holder)
        return written, added

    def produce(self, unit: Unit) -> Callable[[], Awaitable[Batch]]:
        regions = self.settings.regions
        if unit.job == "regions":
            return lambda: fetch_regions(self.api)
        if unit.job == "courses":
            return lambda: fetch_courses(self.api, regions)
        if unit.job == "racecards":
            return lambda: fetch_racecards(self.api, dt.date.fromisoformat(unit.key), regions, self.readers)
        if unit.job == "results":
            return lambda: fetch_results(self.api, dt.date.fromisoformat(unit.key), regions, self.readers)
        return lambda: fetch_horse(self.api, unit.key, self.settings)

    async def run_all(self, units: list[Unit]) -> None:
        """Run independent units concurrently (the rate limiter keeps the API busy, not more)."""
        await self.run_chains([[unit] for unit in units])

    async def run_chains(self, chains: list[list[Unit]]) -> None:
        """Run chains concurrently, each with :meth:`chain`.

        A chain's units are fetched at once and written together, later units winning: a date's
        results still win over its racecard, but its results request need not wait for the
        racecard, which would leave that time out of the rate limit's use.
        """
        for job, count in Counter(unit.job for chain in chains for unit in chain).items():
            self.progress.add(job, count)
        gate = asyncio.Semaphore(self.options.concurrency)

        async def one(chain: list[Unit]) -> None:
            async with gate:
                await self.chain(chain)

        await asyncio.gather(*(one(chain) for chain in chains))
        if self.fatal is not None:
            raise self.fatal


def _resume_since(engine: Engine, options: FetchOptions, now: dt.datetime) -> dt.datetime | None:
    """When this command's last run stopped early (and started less than :data:`RESUME_WITHIN`
    before ``now``): the start of the first run of that streak, from which every done unit need
    not be fetched again. None: start afresh (an older run's recent dates have changed since)."""
    signature = options.signature()
    query = (select(dh_runs.c.started_at, dh_runs.c.summary)
             .where(dh_runs.c.command == "fetch", dh_runs.c.mode == options.recorded_mode,
                    dh_runs.c.status != "running")
             .order_by(dh_runs.c.id.desc()).limit(RESUME_LOOKBACK))
    with engine.connect() as connection:
        for started, summary in connection.execute(query):
            if (summary or {}).get("options") != signature:
                continue
            if not summary.get("units_left"):
                return None
            since = dt.datetime.fromisoformat(summary["resume_since"]) if summary.get("resume_since") else started
            return since if now - since < RESUME_WITHIN else None
    return None


def _start_run(engine: Engine, mode: str, started: dt.datetime) -> int:
    with engine.begin() as connection:
        return connection.execute(
            insert(dh_runs).values(command="fetch", mode=mode, status="running", started_at=started, pid=os.getpid(),
                                   host=socket.gethostname()).returning(dh_runs.c.id)
        ).scalar_one()


def _finish_run(engine: Engine, run_id: int, report: FetchReport) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    with engine.begin() as connection:
        connection.execute(
            update(dh_runs).where(dh_runs.c.id == run_id).values(
                status=report.status, success=report.success, finished_at=now,
                summary=report.to_json(), error=report.error)
        )
        record_tables(connection, run_id=run_id, mode=report.mode, written=report.written, added=report.added,
                      success=report.success, error=report.error, now=now)


async def run_fetch(
    settings: Settings,
    options: FetchOptions,
    *,
    engine: Engine | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    limiter: RateLimiter | None = None,
    retry: RetryPolicy | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> tuple[FetchReport, Path]:
    """Run one fetch and write its run file. Raises only for problems no retry can fix.

    ``transport``, ``limiter`` and ``retry`` let tests and ``demo`` put the simulator in process
    and turn waits off; by default the settings decide.
    """
    today = today or london_today()
    units, notes = plan_units(options, settings, today)
    engine = for_writing(engine) if engine is not None else open_for_writing(settings.database_url)
    report = FetchReport(mode=options.recorded_mode, started_at=dt.datetime.now(dt.timezone.utc), notes=notes,
                         options=options.signature(), planned=len(units))
    for note in notes:
        log.warning(note)
    holder = lock_holder()
    with _signals_stop(report) as on_signal, fetch_lock(engine, holder):
        report.resume_since = _resume_since(engine, options, report.started_at)
        run_id = _start_run(engine, report.mode, report.started_at)
        try:
            archive = RawArchive.from_settings(settings)
            dated = sum(unit.job in ("racecards", "results") for unit in units)
            async with RacingApiClient(settings, transport=transport, limiter=limiter, retry=retry, archive=archive,
                                       results_page_limit=settings.racing_api_results_page_limit) as api:
                with page_readers(in_worker=dated >= WORKER_MIN_DATE_UNITS) as readers:
                    run = _Run(engine, api, settings, options, report, run_id, holder, progress or LogProgress(),
                               readers)
                    on_signal.append(run.interrupt)
                    try:
                        await _check_regions(api, engine, settings.regions)
                        await _execute(run, engine, units, options, today)
                    finally:
                        report.api_calls.update(api.requests)
                        report.api_429s.update(api.rate_limited)
                        report.api_retries.update(api.retried)
                        report.unknown_fields.update(api.unknown_fields)
                        if archive is not None:
                            archive.close()
                            report.archive = str(archive.path) if archive.path else None
        except DarkHorsesError as exc:
            report.error = str(exc)
            raise
        finally:
            if report.error is not None or report.interrupted_by is not None:  # units never reached are left too
                report.stopped = max(report.stopped,
                                     report.planned - sum(report.units_done.values()) - len(report.failed))
            report.finished_at = dt.datetime.now(dt.timezone.utc)
            _finish_run(engine, run_id, report)
            path = write_run_file(settings, report.mode, report.started_at, report.to_json())
            alerts.after_fetch(settings, engine, report, raised=sys.exc_info()[1])
    return report, path


@contextlib.contextmanager
def _signals_stop(report: FetchReport) -> Iterator[list[Callable[[str], None]]]:
    """Turn SIGINT and SIGTERM into an orderly stop for the block: each calls the callbacks the
    block appends (the run's :meth:`_Run.interrupt`), or, before there is a run, only records the
    signal, so the run that starts stops at once. Only the main thread can take signals (the
    worker runs fetches in a thread of its own and stops them through ``should_stop``)."""
    callbacks: list[Callable[[str], None]] = []

    def stop(name: str) -> None:
        if not callbacks:
            report.interrupted_by = report.interrupted_by or name
        for callback in callbacks:
            callback(name)

    loop = asyncio.get_running_loop()
    installed = []
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, stop, signum.name)
            except (NotImplementedError, RuntimeError):  # Windows' event loops take no signals
                continue
            installed.append(signum)
    try:
        yield callbacks
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def _check_regions(api: RacingApiClient, engine: Engine, regions: list[str]) -> None:
    """Refuse region codes the API does not know (it would silently return nothing for them),
    checked against ``ra_mst_regions``, or the API's region list while that table is empty."""
    with engine.connect() as connection:
        known = set(connection.scalars(select(ra_mst_regions.c.code)))
    if not known:
        try:
            known = {region.region_code.lower() for region in await api.regions() if region.region_code}
        except FATAL:
            raise
        except RacingApiError as exc:
            log.warning("could not check DARKHORSES_REGIONS against the API's regions: %s", exc)
            return
    unknown = [code for code in regions if code not in known]
    if unknown:
        raise ConfigError(f"DARKHORSES_REGIONS has unknown region code {unknown[0]!r}; The Racing API knows "
                          f"{', '.join(sorted(known))}")


async def _execute(run: _Run, engine: Engine, units: list[Unit], options: FetchOptions, today: dt.date) -> None:
    since = run.report.resume_since
    if options.retry_failed:
        units = ledger.failed_units(engine)
        log.info("retrying %d failed units", len(units))
    else:
        with engine.connect() as connection:
            done = {job: ledger.done_keys(connection, job) for job in {u.job for u in units}}
            resumed = {job: ledger.done_keys(connection, job, since) if since else set() for job in done}
        if since:
            skipped = sum(u.key in resumed[u.job] for u in units)
            log.info("resuming the run of %s: %d units it already did are skipped", f"{since:%Y-%m-%d %H:%M} UTC",
                     skipped)
        units = [u for u in units if u.key not in resumed[u.job]
                 and (u.key not in done[u.job] or _always_refetched(u, options, today, engine))]
    run.report.planned = len(units)
    reference = [u for u in units if u.job in ("regions", "courses")]
    for unit in reference:
        run.progress.add(unit.job, 1)
        await run.chain([unit])
    if run.fatal is not None:
        raise run.fatal
    # A date's racecards and results in one chain, results last: both write some race and runner
    # columns (draw, ratings, distance), and the result's value must win whatever order the
    # requests finish in. Different dates are independent, so their chains overlap.
    by_date: dict[str, list[Unit]] = {}
    for unit in sorted((u for u in units if u.job in ("racecards", "results")), key=lambda u: u.job != "racecards"):
        by_date.setdefault(unit.key, []).append(unit)
    await run.run_chains(list(by_date.values()))
    retried = [u for u in units if u.job == "horses"]
    await run.run_all(retried)
    if options.mode != "manual" or not options.tables or "horses" in jobs_for(options.tables):
        if run.stopping():  # the enrichment this run would have done is left for the next
            with engine.connect() as connection:
                pending = pending_count(connection) if options.enrich else 0
            limit = _enrich_limit(options)[0]
            run.report.stopped += pending if limit is None else min(pending, limit)
        else:
            await _enrich(run, engine, options, today, asked={u.key for u in retried})
    with engine.begin() as connection:
        refresh_ages(connection, today)


async def _enrich(run: _Run, engine: Engine, options: FetchOptions, today: dt.date, asked: set[str]) -> None:
    """Enrich the horses still without a profile; a horse that just failed again waits for the next run."""
    horses = [Unit("horses", horse_id) for horse_id in _horses_to_enrich(run, engine, options, today)
              if horse_id not in asked]
    run.report.planned += len(horses)
    await run.run_all(horses)


def _horses_to_enrich(run: _Run, engine: Engine, options: FetchOptions, today: dt.date) -> list[str]:
    """The horses this run enriches, horses of today's and later cards first, after saying up front
    how many profiles are pending and how long they take at the configured rate."""
    limit, why = _enrich_limit(options)
    with engine.connect() as connection:
        pending = pending_count(connection)
        horses = unenriched(connection, limit, upcoming_from=today) if limit != 0 else []
    if not pending:
        return []
    if not options.enrich:
        run.report.notes.append(f"horse enrichment skipped (--no-enrich): {pending} horse profiles pending")
        log.info(run.report.notes[-1])
        return []
    settings = run.settings
    rate = min(settings.rate_limit_default, settings.rate_limit_global, settings.rate_limit_per_10s / 10)
    this_run = f", {len(horses)} this run ({why})" if len(horses) < pending else ""
    log.info("horse enrichment: %d profiles pending%s; about %s at %g/s", pending, this_run,
             _duration(len(horses) / rate), rate)
    if len(horses) < pending:
        run.report.notes.append(f"{pending - len(horses)} horse profiles left for a later run ({why} {limit})")
    return horses


def _enrich_limit(options: FetchOptions) -> tuple[int | None, str]:
    """At most how many horses this run enriches (None: all pending), and the flag that says so."""
    if not options.enrich:
        return 0, "--no-enrich"
    if options.enrich_limit is None and options.test:
        return TEST_HORSES, "--test"
    return options.enrich_limit, "--enrich-limit"


def _duration(seconds: float) -> str:
    """A rough duration for an estimate: "under a minute", "14 min", "2.5 h"."""
    if seconds < 60:
        return "under a minute"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def fetch(settings: Settings, options: FetchOptions, **kwargs: Any) -> tuple[FetchReport, Path]:
    """Blocking entry point for the CLI."""
    return asyncio.run(run_fetch(settings, options, **kwargs))
