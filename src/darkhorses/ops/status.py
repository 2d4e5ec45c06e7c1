"""``darkhorses status``: what is in the database, how fresh it is, and what went wrong.

Read-only and set-based: one grouped query per section, whatever the size of the database. The
queries that ``health`` judges by (the last successful run, recent failed units) live here too,
so the two commands can never disagree about what they see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, and_, cast, exists, func, literal, null, select, type_coerce, union_all
from sqlalchemy.engine import Connection, Engine, Row

from darkhorses.db import migrate
from darkhorses.db.engine import describe, make_engine, normalise_url
from darkhorses.db.schema import (
    dh_quarantine, dh_runs, dh_work_units, metadata, ra_metadata_tracking, ra_mst_courses, ra_mst_horses,
    ra_mst_races,
)
from darkhorses.db.sizes import row_counts
from darkhorses.db.types import UTCDateTime
from darkhorses.errors import DatabaseError
from darkhorses.london import LONDON
from darkhorses.ops.fidelity import FidelityReport, archive_payloads, check_fidelity
from darkhorses.ops.quality import CheckResult, run_checks

RUN_LIMIT = 10
FAILED_LIMIT = 20
QUARANTINE_LIMIT = 20
UPDATE_COLUMNS = ("captured_at", "calculated_at", "updated_at", "finished_at", "last_updated", "heartbeat_at")
"""The column that says when a table's row last changed, in order of preference."""
COORDINATE_REGIONS = ("gb", "ire")
"""Regions whose courses the shipped coordinates list covers."""
PROFILE_SOURCES = ("pro", "standard", "none")
"""``ra_mst_horses.profile_source``: which profile enrichment found (``none``: 404 on both)."""


@dataclass(frozen=True)
class TableStatus:
    name: str
    rows: int
    last_updated: dt.datetime | None
    estimated: bool = False
    """``rows`` is PostgreSQL's planner estimate, not a count (a big table: :mod:`darkhorses.db.sizes`)."""


@dataclass(frozen=True)
class JobLedger:
    """Work units of one job: landed, failed at their last attempt, and still to do."""

    job: str
    done: int
    failed: int
    pending: int


@dataclass(frozen=True)
class FailedUnit:
    job: str
    key: str
    attempts: int
    reason: str | None
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class QuarantinedRecord:
    """A record that could not be parsed: kept with its reason (the raw body stays in the table)."""

    job: str
    key: str
    record_key: str | None
    reason: str
    created_at: dt.datetime
    run_id: int | None


@dataclass(frozen=True)
class RunSummary:
    id: int
    command: str
    mode: str | None
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_written: int | None
    error: str | None


@dataclass(frozen=True)
class Enrichment:
    """Horses by profile: ``none`` were looked up and have no profile; ``pending`` never looked up."""

    pro: int
    standard: int
    none: int
    pending: int

    @property
    def with_profile(self) -> int:
        return self.pro + self.standard

    @property
    def without_profile(self) -> int:
        return self.none + self.pending


@dataclass(frozen=True, kw_only=True)
class ArchiveFidelity(FidelityReport):
    """The fidelity check (:mod:`darkhorses.ops.fidelity`) over the raw archive of the newest run
    that kept one: per table, the values present in its payloads and how many are stored."""

    run_id: int
    archive: str


@dataclass(frozen=True)
class StatusReport:
    generated_at: dt.datetime
    database: str
    revision: str
    tables: tuple[TableStatus, ...]
    latest_race_date: dt.date | None
    latest_result_date: dt.date | None
    last_daily_success: dt.datetime | None
    ledger: tuple[JobLedger, ...]
    failed_count: int
    failed_units: tuple[FailedUnit, ...]
    runs: tuple[RunSummary, ...]
    enrichment: Enrichment
    courses_without_coordinates: tuple[str, ...]
    """British and Irish courses whose name matched no entry of the shipped coordinates list."""
    checks: tuple[CheckResult, ...]
    fidelity: ArchiveFidelity | None = None
    """None when no run kept an archive that is still on disk."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types: timestamps and dates as ISO strings."""
        data = asdict(self)
        if self.fidelity is not None:
            data["fidelity"].update(present=self.fidelity.present, stored=self.fidelity.stored)
            for table, entry in zip(self.fidelity.tables, data["fidelity"]["tables"]):
                entry["lost"] = table.lost
        data["enrichment"].update(with_profile=self.enrichment.with_profile,
                                  without_profile=self.enrichment.without_profile)
        data["checks"] = [check.to_json() for check in self.checks]
        return jsonable(data)


def jsonable(value: Any) -> Any:
    """Plain JSON types, recursively: dates and timestamps as ISO strings, tuples as lists."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class NoDatabase(DatabaseError):
    """Nothing has created the database yet: no SQLite file, or no DarkHorses tables in it."""


def london_time(value: dt.datetime | None) -> str:
    """A timestamp as ``status`` and ``health`` print it: London time (the racing day's clock), to the minute."""
    return value.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") if value else "-"


def open_for_reading(database_url: str) -> Engine:
    """The engine for a read-only command: an existing database, never a new, empty SQLite file."""
    url = normalise_url(database_url)
    path = url.database or ""
    if url.drivername == "sqlite" and path not in ("", ":memory:") and not path.startswith("file:"):
        if not Path(path).expanduser().exists():
            raise NoDatabase(f"no database at {path}; create one with `darkhorses db upgrade` (or try `darkhorses demo`)")
    return make_engine(database_url)


def require_schema(engine: Engine) -> str:
    """The database's schema revision, or a one-line error when DarkHorses never created it."""
    revision = migrate.current(engine)
    if revision is None:
        raise NoDatabase(f"{describe(engine.url)} has no DarkHorses tables; run `darkhorses db upgrade` first")
    return revision


def table_counts(connection: Connection) -> tuple[TableStatus, ...]:
    """Rows and the newest change of every table. A big PostgreSQL table's rows are the planner's
    estimate, and its newest change is when a fetch last wrote it (``ra_metadata_tracking``) where
    one has: the newest row stamp would mean reading every row."""
    counts = row_counts(connection, metadata.sorted_tables)
    tracking = ra_metadata_tracking.c
    fetched = dict(connection.execute(select(tracking.table_name, tracking.last_updated).where(
        tracking.table_name.in_([name for name, count in counts.items() if count.estimated]))).all())
    parts: list[Select[Any]] = []
    for table in metadata.sorted_tables:
        stamp = next((table.c[name] for name in UPDATE_COLUMNS if name in table.c), None)
        if stamp is None or table.name in fetched:  # no FROM: one row, whatever the table holds
            parts.append(select(literal(table.name).label("name"), cast(null(), UTCDateTime()).label("newest")))
        else:
            parts.append(select(literal(table.name).label("name"),
                                type_coerce(func.max(stamp), UTCDateTime()).label("newest")).select_from(table))
    newest_by_table = {name: fetched.get(name, newest) for name, newest in connection.execute(union_all(*parts))}
    return tuple(TableStatus(name, counts[name].rows, newest_by_table[name], counts[name].estimated)
                 for name in sorted(counts))


def freshness(connection: Connection) -> tuple[dt.date | None, dt.date | None]:
    """The latest race date and the latest date with a result."""
    latest, resulted = connection.execute(
        select(func.max(ra_mst_races.c.date), func.max(ra_mst_races.c.date).filter(ra_mst_races.c.has_result.is_(True)))
    ).one()
    return latest, resulted


def last_success(connection: Connection, command: str = "fetch", mode: str = "daily") -> dt.datetime | None:
    """When the newest successful run of ``command``/``mode`` finished."""
    return connection.scalar(
        select(func.max(dh_runs.c.finished_at)).where(dh_runs.c.command == command, dh_runs.c.mode == mode,
                                                      dh_runs.c.success.is_(True))
    )


def failed_units(
    connection: Connection, *, since: dt.datetime | None = None, limit: int = FAILED_LIMIT
) -> tuple[int, tuple[FailedUnit, ...]]:
    """How many units failed at their last attempt (since ``since``), and the newest few with reasons."""
    units = dh_work_units
    where = [units.c.status == "failed"] + ([units.c.finished_at >= since] if since is not None else [])
    rows = connection.execute(
        select(units.c.job, units.c.partition_key, units.c.attempts, units.c.last_error, units.c.finished_at,
               func.count().over()).where(*where)
        .order_by(units.c.finished_at.desc(), units.c.job, units.c.partition_key).limit(limit)
    ).all()
    return (rows[0][-1] if rows else 0), tuple(FailedUnit(*row[:-1]) for row in rows)


def quarantined(connection: Connection, *, limit: int = QUARANTINE_LIMIT) -> tuple[int, tuple[QuarantinedRecord, ...]]:
    """How many records are quarantined, and the newest few with their reasons."""
    q = dh_quarantine
    rows = connection.execute(
        select(q.c.job, q.c.partition_key, q.c.record_key, q.c.reason, q.c.created_at, q.c.run_id, func.count().over())
        .order_by(q.c.created_at.desc(), q.c.id.desc()).limit(limit)
    ).all()
    return (rows[0][-1] if rows else 0), tuple(QuarantinedRecord(*row[:-1]) for row in rows)


def ledger(connection: Connection) -> tuple[JobLedger, ...]:
    """Work units per job: done, failed, and pending (horses never looked up count as pending)."""
    counts: dict[str, dict[str, int]] = {}
    for job, status, count in connection.execute(
        select(dh_work_units.c.job, dh_work_units.c.status, func.count()).group_by(dh_work_units.c.job,
                                                                                   dh_work_units.c.status)
    ):
        counts.setdefault(job, {})[status] = count
    never_tried = ~exists().where(and_(dh_work_units.c.job == "horses", dh_work_units.c.partition_key == ra_mst_horses.c.id))
    horses = connection.scalar(
        select(func.count()).select_from(ra_mst_horses).where(ra_mst_horses.c.profile_source.is_(None), never_tried)
    )
    if horses:
        counts.setdefault("horses", {})
    return tuple(
        JobLedger(job, seen.get("done", 0), seen.get("failed", 0),
                  seen.get("pending", 0) + seen.get("running", 0) + (horses if job == "horses" else 0))
        for job, seen in sorted(counts.items())
    )


def run_records(connection: Connection, *, limit: int | None = None,
                since: dt.datetime | None = None) -> list[Row[Any]]:
    """The newest runs first, with their JSON summary (what the run file holds) and error."""
    query = (select(dh_runs.c.id, dh_runs.c.command, dh_runs.c.mode, dh_runs.c.status, dh_runs.c.started_at,
                    dh_runs.c.finished_at, dh_runs.c.summary, dh_runs.c.error, dh_runs.c.pid, dh_runs.c.host)
             .order_by(dh_runs.c.started_at.desc(), dh_runs.c.id.desc()).limit(limit))
    if since is not None:
        query = query.where(dh_runs.c.started_at >= since)
    return list(connection.execute(query).all())


def _runs(connection: Connection, limit: int) -> tuple[RunSummary, ...]:
    rows = run_records(connection, limit=limit)
    return tuple(
        RunSummary(row.id, row.command, row.mode, row.status, row.started_at, row.finished_at,
                   sum((row.summary or {}).get("tables", {}).values()) if row.summary else None,
                   row.error.splitlines()[0] if row.error else None)
        for row in rows
    )


def enrichment(connection: Connection) -> Enrichment:
    counts = dict(connection.execute(
        select(ra_mst_horses.c.profile_source, func.count()).group_by(ra_mst_horses.c.profile_source)
    ).all())
    return Enrichment(*(counts.get(source, 0) for source in PROFILE_SOURCES), pending=counts.get(None, 0))


def last_archive(connection: Connection, limit: int = RUN_LIMIT) -> tuple[int, Path] | None:
    """The newest run whose raw archive (``summary.archive``) is still on disk, with its id."""
    rows = connection.execute(
        select(dh_runs.c.id, dh_runs.c.summary).where(dh_runs.c.summary.is_not(None))
        .order_by(dh_runs.c.started_at.desc(), dh_runs.c.id.desc()).limit(limit)
    )
    for run_id, summary in rows:
        archive = (summary or {}).get("archive")
        if archive and Path(archive).exists():
            return run_id, Path(archive)
    return None


def archive_fidelity(connection: Connection) -> ArchiveFidelity | None:
    """"Values present in payloads / values stored" per table for the last run's archive."""
    found = last_archive(connection)
    if found is None:
        return None
    run_id, archive = found
    report = check_fidelity(connection, archive_payloads(archive))
    return ArchiveFidelity(payloads=report.payloads, tables=report.tables, run_id=run_id, archive=str(archive))
def courses_without_coordinates(connection: Connection) -> tuple[str, ...]:
    """Names of British and Irish courses with no latitude (a course the shipped list lacks,
    or spells in a way the name matching does not fold away)."""
    courses = ra_mst_courses.c
    return tuple(connection.scalars(
        select(courses.name).where(courses.region_code.in_(COORDINATE_REGIONS), courses.latitude.is_(None))
        .order_by(courses.name)
    ))


def build_status(engine: Engine, *, now: dt.datetime | None = None, run_limit: int = RUN_LIMIT) -> StatusReport:
    """Everything ``status`` shows, as data (``--json`` prints :meth:`StatusReport.to_json`)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    revision = require_schema(engine)
    with engine.connect() as connection:
        latest_race, latest_result = freshness(connection)
        failed_count, failed = failed_units(connection)
        report = dict(
            tables=table_counts(connection), latest_race_date=latest_race, latest_result_date=latest_result,
            last_daily_success=last_success(connection), ledger=ledger(connection), failed_count=failed_count,
            failed_units=failed, runs=_runs(connection, run_limit), enrichment=enrichment(connection),
            courses_without_coordinates=courses_without_coordinates(connection),
            fidelity=archive_fidelity(connection),
        )
    checks = tuple(run_checks(engine, now.astimezone(LONDON).date()))
    return StatusReport(generated_at=now, database=describe(engine.url), revision=revision, checks=checks, **report)
