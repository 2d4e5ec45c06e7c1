"""``darkhorses fetch``: run a command's work units inside the rate limits, and record it all.

This module orchestrates: :mod:`~darkhorses.ingest.planning` says which units a command needs,
the client fetches their pages, :mod:`~darkhorses.ingest.pages` reads them into rows, and each
unit (or a date's racecard and results together) is written in one transaction;
:mod:`~darkhorses.ingest.runs` keeps the run's record and :mod:`~darkhorses.ingest.fetchlock`
keeps it the only fetch on the database.

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
import signal
import sys
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from darkhorses.config import Settings
from darkhorses.db.engine import for_writing
from darkhorses.db.locks import beat, lock_holder
from darkhorses.db.migrate import open_for_writing
from darkhorses.db.schema import dh_quarantine, ra_mst_regions
from darkhorses.errors import ConfigError, DarkHorsesError
from darkhorses.ingest import ledger
from darkhorses.ingest.fetchlock import fetch_lock
from darkhorses.ingest.horses import fetch_horse, pending_count, refresh_ages, unenriched
from darkhorses.ingest.ledger import Unit
from darkhorses.ingest.pages import PageReader, page_reader
from darkhorses.ingest.planning import FetchOptions, always_refetched, enrich_limit, jobs_for, plan_units
from darkhorses.ingest.progress import LogProgress, Progress, duration
from darkhorses.ingest.racecards import fetch_racecards
from darkhorses.ingest.reference import fetch_courses, fetch_regions
from darkhorses.ingest.results import fetch_results
from darkhorses.ingest.runfiles import write_run_file
from darkhorses.ingest.runs import STOP_REQUEST, FetchReport, finish_run, resume_since, start_run
from darkhorses.ingest.transform import Batch
from darkhorses.ingest.writer import write_batch
from darkhorses.london import london_today
from darkhorses.ops import alerts
from darkhorses.racing_api.archive import RawArchive
from darkhorses.racing_api.client import RacingApiClient
from darkhorses.racing_api.errors import AuthError, PlanError, RacingApiError, Unreachable
from darkhorses.racing_api.limiter import RateLimiter
from darkhorses.racing_api.retry import RetryPolicy

log = logging.getLogger(__name__)

FATAL = (AuthError, PlanError, Unreachable)
"""Failures no retry of a unit can fix: the run stops."""
WORKER_MIN_DATE_UNITS = 8
"""Racecard and results units from which pages are read in a worker process (see
:mod:`darkhorses.ingest.pages`); below it, starting the process costs more than it saves."""


# --------------------------------------------------------------------------- the run


class _Run:
    """One fetch run: executes units, keeps the report, writes the ledger."""

    def __init__(self, engine: Engine, api: RacingApiClient, settings: Settings, options: FetchOptions,
                 report: FetchReport, run_id: int, holder: str, progress: Progress, reader: PageReader) -> None:
        self.engine, self.api, self.settings, self.options = engine, api, settings, options
        self.report, self.run_id, self.holder, self.progress = report, run_id, holder, progress
        self.reader = reader
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
            self.report.unknown_fields.update(batch.unknown_fields)
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
            return lambda: fetch_racecards(self.api, dt.date.fromisoformat(unit.key), regions, self.reader)
        if unit.job == "results":
            return lambda: fetch_results(self.api, dt.date.fromisoformat(unit.key), regions, self.reader)
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
    today = today or settings.today or london_today()
    units, notes = plan_units(options, settings, today)
    settings.credentials()  # bad options first, then missing credentials, both before the database is touched
    engine = for_writing(engine) if engine is not None else open_for_writing(settings.database_url)
    report = FetchReport(mode=options.recorded_mode, started_at=dt.datetime.now(dt.timezone.utc), notes=notes,
                         options=options.signature(), planned=len(units))
    for note in notes:
        log.warning(note)
    holder = lock_holder()
    with _signals_stop(report) as on_signal, fetch_lock(engine, holder):
        report.resume_since = resume_since(engine, options, report.started_at)
        run_id = start_run(engine, report.mode, report.started_at)
        try:
            archive = RawArchive.from_settings(settings)
            dated = sum(unit.job in ("racecards", "results") for unit in units)
            async with RacingApiClient.from_settings(settings, transport=transport, limiter=limiter, retry=retry,
                                                     archive=archive) as api:
                with page_reader(in_worker=dated >= WORKER_MIN_DATE_UNITS) as reader:
                    run = _Run(engine, api, settings, options, report, run_id, holder, progress or LogProgress(),
                               reader)
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
            finish_run(engine, run_id, report)
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
                 and (u.key not in done[u.job] or always_refetched(u, options, today, engine))]
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
            limit = enrich_limit(options)[0]
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
    limit, why = enrich_limit(options)
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
             duration(len(horses) / rate), rate)
    if len(horses) < pending:
        run.report.notes.append(f"{pending - len(horses)} horse profiles left for a later run ({why} {limit})")
    return horses


def fetch(settings: Settings, options: FetchOptions, **kwargs: Any) -> tuple[FetchReport, Path]:
    """Blocking entry point for the CLI."""
    return asyncio.run(run_fetch(settings, options, **kwargs))
