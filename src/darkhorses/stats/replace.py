"""Atomic replacement: compute into a staging table, then swap the result in one transaction.

The expensive SELECT runs into a temporary staging table, outside any write on the target. The
target then changes in a single short transaction (an upsert plus a delete of keys that are no
longer produced, or one ``UPDATE ... FROM`` for master tables), so readers see either the old
version or the new one, never a half-built or empty table, and a failure at any point rolls back
to the previous version. Contract tables are never dropped or recreated: their definitions belong
to the migrations.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from darkhorses.stats.context import Context
from darkhorses.stats.job import Job
from darkhorses.stats.sql import Dialect


def stage_name(job: Job) -> str:
    return f"stage_{job.name}"


def build_stage(connection: Connection, job: Job, ctx: Context) -> int:
    """Compute ``job``'s new rows into its temporary staging table; return how many there are."""
    name = stage_name(job)
    dialect = Dialect.of(connection)
    with connection.begin():
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        connection.execute(ctx.sql(f"CREATE TEMPORARY TABLE {name} AS {job.stage_sql(dialect, ctx)}"), ctx.params())
        if dialect.is_postgres:
            connection.exec_driver_sql(f"ANALYZE {name}")
        return int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {name}").scalar_one())


def _stage_columns(connection: Connection, name: str) -> list[str]:
    return list(connection.exec_driver_sql(f"SELECT * FROM {name} WHERE 1 = 0").keys())


def upsert_from_stage(connection: Connection, job: Job, stage: str, columns: list[str]) -> None:
    names = ", ".join(columns)
    keys = ", ".join(job.key)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in job.key)
    # "WHERE TRUE" keeps SQLite from reading ON CONFLICT as part of the SELECT's join syntax.
    connection.exec_driver_sql(
        f"INSERT INTO {job.name} ({names}) SELECT {names} FROM {stage} WHERE TRUE "
        f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
    )


def delete_unproduced(connection: Connection, job: Job, stage: str) -> None:
    match = " AND ".join(f"s.{k} = {job.name}.{k}" for k in job.key)
    connection.exec_driver_sql(f"DELETE FROM {job.name} WHERE NOT EXISTS (SELECT 1 FROM {stage} s WHERE {match})")


def update_master(connection: Connection, job: Job, stage: str, columns: list[str]) -> None:
    sets = ", ".join(f"{c} = s.{c}" for c in columns if c != "id")
    connection.exec_driver_sql(f"UPDATE {job.name} SET {sets} FROM {stage} AS s WHERE {job.name}.id = s.id")


def swap_in(connection: Connection, job: Job) -> None:
    """Make the staged rows the table's contents, all at once or not at all."""
    stage = stage_name(job)
    with connection.begin():
        columns = _stage_columns(connection, stage)
        if job.master:
            update_master(connection, job, stage, columns)
        else:
            upsert_from_stage(connection, job, stage, columns)
            delete_unproduced(connection, job, stage)


def drop_stage(connection: Connection, job: Job) -> None:
    with connection.begin():
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {stage_name(job)}")
