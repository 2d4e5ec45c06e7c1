"""``populate``: compute the calculated tables, by category or by table, as of a date.

The batch materialises the ``run`` relation, then for each table computes a staging table with
one set-based statement and swaps it in atomically (:mod:`darkhorses.stats.replace`). The whole
batch shares one as-of date and one timestamp. ``test`` computes everything over a recent slice
and writes nothing, a quick proof that the SQL runs against this database.

A batch of every table is **incremental** when the tables were last computed together with the
same parameters (``dh_stats_state``): it recomputes only the keys the data written since then can
affect (:mod:`darkhorses.stats.scope`). Otherwise, or with ``full``, every row is recomputed.

On PostgreSQL the tables are computed on two connections side by side (:data:`PG_LANES`). Each
holds its own temporary copy of ``run``, built from one shared snapshot, so every table of the
batch still describes the same runs.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine

from darkhorses.db.engine import for_writing
from darkhorses.errors import ConfigError
from darkhorses.london import london_today
from darkhorses.stats import ancestors, lineage, pedigree, people, performance, runner_form, sums
from darkhorses.stats.context import MIN_GROUP_RUNS, MIN_RUNS, Context
from darkhorses.stats.job import Job
from darkhorses.stats.replace import analyse, build_stage, drop_stage, fill_if_empty, swap_in
from darkhorses.stats.run import RUN_TABLE, add_races, materialise_run
from darkhorses.stats.scope import (
    RACE_RUNNERS,
    Previous,
    build_scope,
    drop_scope,
    incremental_from,
    read_previous,
    record_state,
    scope_races_filter,
    touch_changed_runs,
    watermark,
)

TEST_SLICE_DAYS = 14
PG_WORK_MEM = "256MB"
"""Sort memory for the batch's window functions on PostgreSQL (session-local, reset afterwards).
JIT is switched off for the batch too: compiling these wide expressions costs more than it saves."""
PG_TEMP_BUFFERS = "1GB"
"""Room for the run relation and the staging tables in memory (allocated only as they fill)."""
PG_LANES = 2
"""Connections computing tables at once on PostgreSQL. A window query or an insert uses one core,
and the runner-form table alone costs about as much as all the others, so two lanes roughly
halve a batch on a two-core server. SQLite has one writer, so it keeps one lane."""
LONGEST_FIRST = ("ra_runner_statistics", "ra_lineage")
"""The tables with a row per runner, taken first so the other lane works through the rest meanwhile."""

JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        *pedigree.JOBS, *ancestors.JOBS, *lineage.JOBS,
        *people.JOBS,
        *runner_form.JOBS, *performance.JOBS,
    )
}
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(job.category for job in JOBS.values()))
ODDS = "odds"
ODDS_NOTE = "odds: live odds belong to the separate odds system; populate computes no odds tables"


@dataclass(frozen=True)
class TableResult:
    table: str
    category: str
    rows: int
    seconds: float
    written: bool


@dataclass(frozen=True)
class PopulateResult:
    as_of: dt.date
    batch_ts: dt.datetime
    test: bool
    run_rows: int
    tables: tuple[TableResult, ...]
    notes: tuple[str, ...]
    left: tuple[str, ...] = ()
    """Tables not computed because a stop was asked for (they keep their previous contents)."""
    incremental: bool = False
    full_because: str | None = None
    """Why every row was recomputed (None for an incremental batch or a test slice)."""


def parse_as_of(value: str, flag: str = "--as-of") -> dt.date:
    """``YYYY-MM-DD`` from the command line, or a one-line :class:`ConfigError`."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"{flag} must be a date like 2025-02-10, not {value!r}") from None


def check_window(since: dt.date | None, lookback: int | None, min_runs: int = MIN_RUNS,
                 min_group_runs: int = MIN_GROUP_RUNS) -> None:
    """Refuse parameters that cannot shape a statistics window, with one line saying why."""
    if since is not None and lookback is not None:
        raise ConfigError("give --since or --lookback, not both")
    if lookback is not None and lookback < 1:
        raise ConfigError(f"--lookback must be a number of days, 1 or more, not {lookback}")
    if min_runs < 1 or min_group_runs < 1:
        raise ConfigError("--min-runs and --min-group-runs must be 1 or more")


def select_jobs(categories: Sequence[str] = (), tables: Sequence[str] = ()) -> tuple[list[Job], list[str]]:
    """The jobs named by ``categories`` and ``tables`` (all when neither is given), plus notes.

    Unknown names are a :class:`ConfigError` listing the valid ones.
    """
    notes = [ODDS_NOTE] if ODDS in categories else []
    unknown = [c for c in categories if c not in CATEGORIES and c != ODDS]
    if unknown:
        raise ConfigError(f"unknown category {unknown[0]!r}; choose from {', '.join((*CATEGORIES, ODDS))}")
    missing = [t for t in tables if t not in JOBS]
    if missing:
        raise ConfigError(f"unknown table {missing[0]!r}; populate computes {', '.join(JOBS)}")
    if not categories and not tables:
        return list(JOBS.values()), notes
    wanted = set(tables)
    return [job for job in JOBS.values() if job.category in categories or job.name in wanted], notes


@contextmanager
def _batch_session(connection: Connection) -> Iterator[None]:
    """Session settings for one batch, and no temporary tables left behind on a pooled connection."""
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        with connection.begin():
            connection.exec_driver_sql(f"SET work_mem = '{PG_WORK_MEM}'")
            connection.exec_driver_sql("SET jit = off")
            # Temporary tables are read through the session's own buffers (8 MB by default), which
            # can only be resized before the session first touches a temporary table.
            if connection.exec_driver_sql("SELECT pg_my_temp_schema() = 0").scalar_one():
                connection.exec_driver_sql(f"SET temp_buffers = '{PG_TEMP_BUFFERS}'")
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        with connection.begin():
            for name in (RUN_TABLE, sums.TEST_SUMS):
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
            drop_scope(connection)
            if postgres:
                connection.exec_driver_sql("RESET work_mem")
                connection.exec_driver_sql("RESET jit")


def populate(
    engine: Engine,
    *,
    categories: Sequence[str] = (),
    tables: Sequence[str] = (),
    as_of: dt.date | None = None,
    test: bool = False,
    now: dt.datetime | None = None,
    min_runs: int = MIN_RUNS,
    min_group_runs: int = MIN_GROUP_RUNS,
    since: dt.date | None = None,
    lookback: int | None = None,
    full: bool = False,
    should_stop: Callable[[], bool] | None = None,
) -> PopulateResult:
    """Compute the selected statistics tables as of ``as_of`` (default: today in London).

    ``since`` or ``lookback`` (days, ``as_of`` included) narrow the runs counted; ``min_runs`` is
    the smallest performance or combination group written and ``min_group_runs`` the smallest
    pedigree class/distance group ranked. When every table is selected and was last computed
    with the same parameters, only what changed since is recomputed, unless ``full``.

    Each table is replaced atomically and independently; a failure stops the batch (no lane starts
    another table) and leaves that table, and every one not yet started, at its previous version.
    ``should_stop`` is asked before each table: once it says yes (a signal, the worker shutting
    down) the tables in flight finish and the rest are returned as ``left``. With ``test``
    nothing is written.
    """
    check_window(since, lookback, min_runs, min_group_runs)
    jobs, notes = select_jobs(categories, tables)
    batch_ts = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    day = as_of or london_today(batch_ts)
    test_from = day - dt.timedelta(days=TEST_SLICE_DAYS - 1) if test else None
    ctx = Context(day, batch_ts, min_runs=min_runs, min_group_runs=min_group_runs, since=since, lookback=lookback,
                  test_from=test_from)
    if not jobs:
        return PopulateResult(day, batch_ts, test, 0, (), tuple(notes))
    previous, full_because = None, None
    if not test:
        previous, full_because = _plan(engine, jobs, ctx, full)
        if previous is not None:
            ctx = replace(ctx, incremental=True)
    lanes = min(len(jobs), PG_LANES if engine.dialect.name == "postgresql" else 1)
    queue = deque(sorted(jobs, key=lambda job: job.name not in LONGEST_FIRST))
    stop = threading.Event()
    with ExitStack() as stack, ThreadPoolExecutor(lanes) as pool:
        connections = [stack.enter_context(for_writing(engine).connect()) for _ in range(lanes)]
        for connection in connections:
            stack.enter_context(_batch_session(connection))
        try:
            run_rows, mark = _materialise_everywhere(pool, connections, ctx, previous)
            if not test:
                with connections[0].begin():
                    if ctx.incremental:
                        sums.update(connections[0], RACE_RUNNERS)
                    else:
                        sums.rebuild(connections[0])
                    record_state(connections[0], [sums.SUMS_TABLE], ctx, mark)
                if not ctx.incremental:
                    for table in (sums.SUMS_TABLE, sums.RUN_KEYS):
                        analyse(connections[0], table)
            per_lane = _all_of(pool, [lambda c=c: _work_through(c, queue, stop, ctx, test, should_stop)
                                      for c in connections])
        except BaseException:  # an interrupt here, too, lets no lane start another table
            stop.set()
            raise
        if not test and not queue:
            with connections[0].begin():
                record_state(connections[0], [job.name for job in jobs], ctx, mark)
    order = list(JOBS)
    results = sorted((r for lane in per_lane for r in lane), key=lambda r: order.index(r.table))
    left = tuple(sorted((job.name for job in queue), key=order.index))
    return PopulateResult(day, batch_ts, test, run_rows, tuple(results), tuple(notes), left,
                          incremental=ctx.incremental, full_because=full_because)


def _plan(engine: Engine, jobs: list[Job], ctx: Context, full: bool) -> tuple[Previous | None, str | None]:
    """The previous state to start an incremental batch from, or None and why every row must be
    recomputed. Only a batch of every table can be incremental: the run keys it keeps describe
    all of them at once."""
    if full:
        return None, "--full"
    if len(jobs) != len(JOBS):
        return None, "a selection of tables"
    with engine.connect() as connection:
        previous = read_previous(connection, [*JOBS, sums.SUMS_TABLE])
    reason = incremental_from(previous, ctx)
    return (previous, None) if reason is None else (None, reason)


T = TypeVar("T")


def _all_of(pool: ThreadPoolExecutor, calls: list[Callable[[], T]]) -> list[T]:
    """Run ``calls`` side by side and wait for all of them; then raise the first failure, if any.
    A single call runs in the calling thread."""
    if len(calls) == 1:
        return [calls[0]()]
    futures = [pool.submit(call) for call in calls]
    errors = [error for future in futures if (error := future.exception()) is not None]
    if errors:
        raise errors[0]
    return [future.result() for future in futures]


def _materialise_everywhere(pool: ThreadPoolExecutor, connections: list[Connection], ctx: Context,
                            previous: Previous | None) -> tuple[int, dt.datetime | None]:
    """Build ``run`` (and, in an incremental batch, the scope first) on every connection from the
    same snapshot; return its row count and the watermark of that snapshot.

    The first connection exports its snapshot and keeps its transaction open until the others have
    built their copies in transactions that import it, so all copies hold exactly the same runs.
    """
    def build(connection: Connection) -> int:
        if previous is None:
            rows = materialise_run(connection, ctx)
        else:
            build_scope(connection, ctx, previous)
            rows = materialise_run(connection, ctx, scope_races_filter())
            sums.classify(connection, RACE_RUNNERS)
            if sums.any_regrouped(connection):
                rows = add_races(connection, ctx, sums.regrouped_races())
            touch_changed_runs(connection)
        if ctx.test_from is not None:
            sums.create_test_sums(connection)
        return rows

    first, *others = connections
    if not others:
        with first.begin():
            return build(first), watermark(first)
    with first.begin():
        first.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        snapshot = first.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        mark = watermark(first)

        def copy(connection: Connection) -> int:
            with connection.begin():
                connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                return build(connection)

        return _all_of(pool, [lambda: build(first), *(lambda c=c: copy(c) for c in others)])[0], mark


def _work_through(connection: Connection, queue: deque[Job], stop: threading.Event, ctx: Context,
                  test: bool, should_stop: Callable[[], bool] | None = None) -> list[TableResult]:
    """One lane: take tables from the shared queue until it is empty, another lane failed, or a
    stop was asked for."""
    results: list[TableResult] = []
    while not stop.is_set() and not (should_stop is not None and should_stop()):
        try:
            job = queue.popleft()
        except IndexError:
            break
        try:
            results.append(_compute(connection, job, ctx, test))
        except BaseException:
            stop.set()
            raise
    return results


def _compute(connection: Connection, job: Job, ctx: Context, test: bool) -> TableResult:
    """Compute one table and, unless ``test``, make it the table's contents."""
    started = time.perf_counter()
    try:
        filled = None if test or job.master or ctx.incremental else fill_if_empty(connection, job, ctx)
        rows = filled if filled is not None else build_stage(connection, job, ctx)
        if not test and filled is None:
            swap_in(connection, job, ctx)
        if not test and not ctx.incremental:
            analyse(connection, job.name)
    finally:
        drop_stage(connection, job)
    return TableResult(job.name, job.category, rows, time.perf_counter() - started, not test)
