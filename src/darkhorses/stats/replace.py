"""Atomic replacement: compute into a staging table, then swap the result in one transaction.

The expensive SELECT runs into a temporary staging table, outside any write on the target. The
target then changes in a single short transaction (an upsert of changed rows plus a delete of keys
that are no longer produced, or one ``UPDATE ... FROM`` for master tables), so readers see either
the old version or the new one, never a half-built or empty table, and a failure at any point
rolls back to the previous version. Contract tables are never dropped or recreated: their definitions belong
to the migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import text
from sqlalchemy.engine import Connection

from darkhorses.stats.context import Context
from darkhorses.stats.job import Job
from darkhorses.stats.sql import Dialect


PARAMETER_COLUMNS = frozenset({"query_filters"})
"""Columns that record how a row was computed, not what it says: like the stamp, a change in them
alone does not rewrite a row, so they keep describing the batch that last changed it."""


def stage_name(job: Job) -> str:
    return f"stage_{job.name}"


def build_stage(connection: Connection, job: Job, ctx: Context) -> int:
    """Compute ``job``'s new rows into its temporary staging table; return how many there are."""
    name = stage_name(job)
    dialect = Dialect.of(connection)
    with connection.begin():
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        connection.execute(ctx.sql(f"CREATE TEMPORARY TABLE {name} AS {job.stage_sql(dialect, ctx)}"), ctx.params())
        return int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {name}").scalar_one())


def fill_if_empty(connection: Connection, job: Job, ctx: Context) -> int | None:
    """First population of a calculated table: insert straight from the query, skipping the
    staging copy (the table is empty, so there is nothing to match or delete, and readers still
    see it empty until the commit). Returns the rows written, or None if the table has rows.

    On PostgreSQL the table's indexes are dropped for the insert and rebuilt after it, in the same
    transaction: building an index from 2.8M rows at once costs a fraction of updating it row by
    row in random key order. Readers of the (empty) table wait for the commit meanwhile; a
    concurrent populate waits from the emptiness check on, so it cannot insert in between.
    """
    dialect = Dialect.of(connection)
    query = job.stage_sql(dialect, ctx)
    with connection.begin():
        if dialect.is_postgres:
            connection.exec_driver_sql(f"LOCK TABLE {job.name} IN SHARE ROW EXCLUSIVE MODE")
        if connection.exec_driver_sql(f"SELECT 1 FROM {job.name} LIMIT 1").first() is not None:
            return None
        columns = list(connection.execute(ctx.sql(f"SELECT * FROM ({query}) q LIMIT 0"), ctx.params()).keys())
        names = ", ".join(columns)
        with _indexes_deferred(connection, job.name) if dialect.is_postgres else nullcontext():
            result = connection.execute(ctx.sql(f"INSERT INTO {job.name} ({names}) SELECT {names} FROM ({query}) q"),
                                        ctx.params())
        return int(result.rowcount)


@contextmanager
def _indexes_deferred(connection: Connection, table: str) -> Iterator[None]:
    """Drop ``table``'s indexes (and the constraints they back) and recreate them afterwards, under
    the same names and definitions, so the schema the migrations made is unchanged at the commit.
    A table that another table's foreign key references keeps its indexes.

    PostgreSQL only; the caller's transaction makes the whole exchange atomic.
    """
    rows = connection.execute(text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), quote_ident(c.conname), "
        "pg_get_constraintdef(c.oid) "
        "FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
        "WHERE i.indrelid = CAST(:table AS regclass) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = i.indrelid)"
    ), {"table": table}).all()
    for index, _, constraint, _ in rows:
        connection.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}" if constraint
                                   else f"DROP INDEX {index}")
    yield
    for _, index_definition, constraint, constraint_definition in rows:
        connection.exec_driver_sql(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_definition}"
                                   if constraint else index_definition)


def _stage_columns(connection: Connection, name: str) -> list[str]:
    return list(connection.exec_driver_sql(f"SELECT * FROM {name} WHERE 1 = 0").keys())


def upsert_from_stage(connection: Connection, job: Job, stage: str, columns: list[str]) -> None:
    """Write only new keys and rows whose values changed (one hash join finds them), so a daily
    rerun costs little and an unchanged row's stamp keeps saying when it last changed."""
    names = ", ".join(columns)
    values = [c for c in columns if c not in job.key]
    compared = [c for c in values if c != job.stamp and c not in PARAMETER_COLUMNS]
    match = " AND ".join(f"t.{k} = s.{k}" for k in job.key)
    changed = (f"({', '.join(f't.{c}' for c in compared)}) {Dialect.of(connection).differs} "
               f"({', '.join(f's.{c}' for c in compared)})")
    updates = ", ".join(f"{c} = excluded.{c}" for c in values)
    connection.exec_driver_sql(
        f"INSERT INTO {job.name} ({names}) SELECT {', '.join(f's.{c}' for c in columns)} FROM {stage} s "
        f"LEFT JOIN {job.name} t ON {match} WHERE t.{job.key[0]} IS NULL OR {changed} "
        f"ON CONFLICT ({', '.join(job.key)}) DO UPDATE SET {updates}"
    )


def delete_unproduced(connection: Connection, job: Job, stage: str, ctx: Context) -> None:
    """Delete the rows whose key the stage no longer produces; in an incremental batch only among
    the rows in scope, since the stage holds no other."""
    match = " AND ".join(f"s.{k} = {job.name}.{k}" for k in job.key)
    unproduced = f"NOT EXISTS (SELECT 1 FROM {stage} s WHERE {match})"
    # The planner probes the stage once per row (SQLite, without an index, by scanning it).
    connection.exec_driver_sql(f"CREATE INDEX ix_{stage} ON {stage} ({', '.join(job.key)})")
    if job.scope is None or not ctx.incremental:
        connection.exec_driver_sql(f"DELETE FROM {job.name} WHERE {unproduced}")
        return
    connection.exec_driver_sql(f"DELETE FROM {job.name} WHERE {job.scope(ctx, job.name)} AND {unproduced}")


def update_master(connection: Connection, job: Job, stage: str, columns: list[str]) -> None:
    sets = ", ".join(f"{c} = s.{c}" for c in columns if c != "id")
    connection.exec_driver_sql(f"UPDATE {job.name} SET {sets} FROM {stage} AS s WHERE {job.name}.id = s.id")


def swap_in(connection: Connection, job: Job, ctx: Context) -> None:
    """Make the staged rows the table's contents, all at once or not at all. An incremental batch
    also brings the date-dependent columns of the rows outside its scope to the new as-of date."""
    stage = stage_name(job)
    with connection.begin():
        columns = _stage_columns(connection, stage)
        if job.master:
            update_master(connection, job, stage, columns)
        else:
            upsert_from_stage(connection, job, stage, columns)
            delete_unproduced(connection, job, stage, ctx)
        if job.calendar is not None and ctx.incremental:
            connection.execute(ctx.sql(job.calendar(Dialect.of(connection))), ctx.params())


def analyse(connection: Connection, table: str) -> None:
    """Refresh PostgreSQL's statistics of a table a full batch rewrote. The next incremental
    batch looks up a few hundred keys in it, and with the statistics of an empty or much smaller
    table the planner scans the whole table instead (autovacuum analyses it only later)."""
    if Dialect.of(connection).is_postgres:
        with connection.begin():
            connection.exec_driver_sql(f"ANALYZE {table}")


def drop_stage(connection: Connection, job: Job) -> None:
    with connection.begin():
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {stage_name(job)}")
