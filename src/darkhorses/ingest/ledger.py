"""The work ledger: which work units are done, failed or never tried.

A unit is one endpoint partition: a date's racecards, a date's results, one horse's profile, the
course list. Its ``done`` entry is written in the same transaction as its rows, so after a crash
the ledger never claims work that did not land, and a rerun resumes exactly where it stopped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from darkhorses.db.schema import dh_work_units
from darkhorses.db.upsert import upsert


@dataclass(frozen=True, order=True)
class Unit:
    """One partition of one job: ``Unit("results", "2025-10-07")``."""

    job: str
    key: str

    def __str__(self) -> str:
        return f"{self.job}:{self.key}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def done_keys(connection: Connection, job: str, since: dt.datetime | None = None) -> set[str]:
    """Partition keys of ``job`` whose rows have landed (at or after ``since``, if given)."""
    query = select(dh_work_units.c.partition_key).where(dh_work_units.c.job == job, dh_work_units.c.status == "done")
    if since is not None:
        query = query.where(dh_work_units.c.finished_at >= since)
    return set(connection.scalars(query))


def failed_units(engine: Engine) -> list[Unit]:
    """Every unit whose last attempt failed, oldest job first."""
    query = (
        select(dh_work_units.c.job, dh_work_units.c.partition_key)
        .where(dh_work_units.c.status == "failed")
        .order_by(dh_work_units.c.job, dh_work_units.c.partition_key)
    )
    with engine.connect() as connection:
        return [Unit(job, key) for job, key in connection.execute(query)]


def _record(connection: Connection, unit: Unit, run_id: int | None, **values: object) -> None:
    upsert(connection, dh_work_units, [{"job": unit.job, "partition_key": unit.key, "run_id": run_id, **values}])
    connection.execute(
        update(dh_work_units)
        .where(dh_work_units.c.job == unit.job, dh_work_units.c.partition_key == unit.key)
        .values(attempts=dh_work_units.c.attempts + 1)
    )


def mark_done(connection: Connection, unit: Unit, run_id: int | None, rows: int, started_at: dt.datetime) -> None:
    """Record success; call inside the transaction that wrote the unit's rows."""
    _record(connection, unit, run_id, status="done", rows_written=rows, last_error=None,
            started_at=started_at, finished_at=_now())


def mark_failed(engine: Engine, unit: Unit, run_id: int | None, reason: str, started_at: dt.datetime) -> None:
    """Record a failure in a transaction of its own (the unit's rows were rolled back)."""
    with engine.begin() as connection:
        _record(connection, unit, run_id, status="failed", last_error=reason[:2000],
                started_at=started_at, finished_at=_now())
