"""``populate``: compute the calculated tables, by category or by table, as of a date.

The batch materialises the ``run`` relation once, then for each table computes a staging table
with one set-based statement and swaps it in atomically (:mod:`darkhorses.stats.replace`). The
whole batch shares one as-of date and one timestamp. ``test`` computes everything over a recent
slice and writes nothing, a quick proof that the SQL runs against this database.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection, Engine

from darkhorses.db.engine import for_writing
from darkhorses.errors import ConfigError
from darkhorses.stats import ancestors, lineage, pedigree, people, performance, runner_form
from darkhorses.stats.context import MIN_GROUP_RUNS, MIN_RUNS, Context, day_number
from darkhorses.stats.job import Job
from darkhorses.stats.replace import build_stage, drop_stage, fill_if_empty, swap_in
from darkhorses.stats.run import RUN_TABLE, materialise_run

LONDON = ZoneInfo("Europe/London")
TEST_SLICE_DAYS = 14
PG_WORK_MEM = "256MB"
"""Sort memory for the batch's window functions on PostgreSQL (session-local, reset afterwards).
JIT is switched off for the batch too: compiling these wide expressions costs more than it saves."""
PG_TEMP_BUFFERS = "1GB"
"""Room for the run relation and the staging tables in memory (allocated only as they fill)."""

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


def parse_as_of(value: str) -> dt.date:
    """``YYYY-MM-DD`` from the command line, or a one-line :class:`ConfigError`."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"--as-of must be a date like 2025-02-10, not {value!r}") from None


def london_today(now: dt.datetime) -> dt.date:
    return now.astimezone(LONDON).date()


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
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {RUN_TABLE}")
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
) -> PopulateResult:
    """Compute the selected statistics tables as of ``as_of`` (default: today in London).

    Each table is replaced atomically and independently; a failure stops the batch and leaves
    that table (and every later one) at its previous version. With ``test`` nothing is written.
    """
    jobs, notes = select_jobs(categories, tables)
    batch_ts = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    day = as_of or london_today(batch_ts)
    first_day = day_number(day) - TEST_SLICE_DAYS + 1 if test else None
    ctx = Context(day, batch_ts, min_runs=min_runs, min_group_runs=min_group_runs, first_day=first_day)
    results: list[TableResult] = []
    run_rows = 0
    if not jobs:
        return PopulateResult(day, batch_ts, test, run_rows, (), tuple(notes))
    with for_writing(engine).connect() as connection, _batch_session(connection):
        with connection.begin():
            run_rows = materialise_run(connection, ctx)
        for job in jobs:
            started = time.perf_counter()
            try:
                filled = None if test or job.master else fill_if_empty(connection, job, ctx)
                rows = filled if filled is not None else build_stage(connection, job, ctx)
                if not test and filled is None:
                    swap_in(connection, job)
            finally:
                drop_stage(connection, job)
            results.append(TableResult(job.name, job.category, rows, time.perf_counter() - started, not test))
    return PopulateResult(day, batch_ts, test, run_rows, tuple(results), tuple(notes))
