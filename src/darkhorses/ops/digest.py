"""A content digest of every data table: one SHA-256 per table, comparable across databases.

Two databases hold the same data exactly when their digests are equal, whatever order the rows
were written in, how often a unit was retried, or which engine holds them. That is the check
behind "a crashed and resumed backfill equals an uninterrupted one", and a quick way for a user
to compare a restored backup or a migrated database with the original.

What makes it comparable:

* rows are hashed in natural-key order (the table's primary key unless that is a surrogate id,
  else its unique constraint), with text keys in byte order on both engines;
* bookkeeping columns (``source == "system"`` in the schema: surrogate ids, ``created_at``,
  ``updated_at``, ``enriched_at``, ``captured_at``, ...) are left out, because they record when and
  in which order rows landed, not what the data says;
* a column holding another table's surrogate id (a runner id, a bookmaker id) is replaced by that
  row's natural key, since surrogate ids depend on insertion order;
* values are rendered canonically (UTC timestamps, whole numbers as integers, others to 12
  significant digits, JSON with sorted keys), so SQLite and PostgreSQL give the same text for the same value.

Tables made only of bookkeeping columns (``dh_*``, ``ra_metadata_tracking``) are not data and are
not digested.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Table, UniqueConstraint, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from darkhorses.db.schema import metadata

UNDECLARED_REFERENCES: dict[tuple[str, str], str] = {
    ("ra_lineage", "runner_id"): "ra_mst_runners",
    ("ra_runner_statistics", "runner_id"): "ra_mst_runners",
}
"""Columns holding a surrogate id without a declared foreign key (statistics are rebuilt in bulk)."""

DERIVED_FROM_SURROGATES: frozenset[tuple[str, str]] = frozenset({("ra_lineage", "lineage_id")})
"""Columns whose text embeds a surrogate id (``<runner id>_<generation>_<path>``): not comparable."""

_BATCH = 2000


@dataclass(frozen=True)
class TableDigest:
    """One table's digest: rows hashed, their SHA-256, and natural keys seen more than once."""

    table: str
    rows: int
    sha256: str
    duplicate_keys: int


def data_tables() -> list[Table]:
    """Every table with at least one non-bookkeeping column, parents first."""
    return [t for t in metadata.sorted_tables if any(c.info.get("source") != "system" for c in t.columns)]


def _is_surrogate(table: Table, name: str) -> bool:
    column = table.c[name]
    return column.primary_key and column.autoincrement is True and column.info.get("source") == "system"


def natural_key(table: Table) -> list[str]:
    """The columns that identify a row by its meaning: the primary key, unless it is a surrogate."""
    primary = [c.name for c in table.primary_key]
    if not any(_is_surrogate(table, name) or (table.name, name) in DERIVED_FROM_SURROGATES for name in primary):
        return primary
    uniques = sorted([c.name for c in u.columns] for u in table.constraints if isinstance(u, UniqueConstraint))
    if not uniques:
        raise ValueError(f"{table.name} has a surrogate primary key and no unique constraint to digest by")
    return uniques[0]


def _referenced(table: Table, name: str) -> Table | None:
    """The table whose surrogate id ``table.name`` holds, if it holds one."""
    if (table.name, name) in UNDECLARED_REFERENCES:
        return metadata.tables[UNDECLARED_REFERENCES[(table.name, name)]]
    for key in table.c[name].foreign_keys:
        target = key.column.table
        if isinstance(target, Table) and _is_surrogate(target, key.column.name):
            return target
    return None


def _kept(table: Table) -> list[str]:
    return [c.name for c in table.columns
            if c.info.get("source") != "system" and (table.name, c.name) not in DERIVED_FROM_SURROGATES]


def _byte_order(expression: ColumnElement[Any], engine: Engine) -> ColumnElement[Any]:
    """Text in byte order on PostgreSQL too (SQLite's default), so both engines sort alike."""
    if engine.dialect.name == "postgresql" and isinstance(expression.type, String):
        return expression.collate("C")
    return expression


def _query(table: Table, engine: Engine) -> tuple[Any, int]:
    """The select of a table's comparable columns in natural-key order, and the key's width."""
    columns: list[ColumnElement[Any]] = []
    joins: list[tuple[Table, ColumnElement[bool]]] = []
    resolved: dict[str, list[ColumnElement[Any]]] = {}
    for name in _kept(table):
        target = _referenced(table, name)
        if target is None:
            resolved[name] = [table.c[name]]
            continue
        alias = target.alias(f"ref_{name}")
        joins.append((alias, alias.c.id == table.c[name]))
        resolved[name] = [alias.c[key].label(f"{name}__{key}") for key in natural_key(target)]
    key = [column for name in natural_key(table) for column in resolved[name]]
    columns = key + [column for name in _kept(table) if name not in natural_key(table) for column in resolved[name]]
    source: Any = table
    for alias, condition in joins:
        source = source.outerjoin(alias, condition)
    order = [_byte_order(column, engine).asc().nulls_first() for column in key]
    return select(*columns).select_from(source).order_by(*order), len(key)


def canonical(value: Any) -> Any:
    """A JSON-ready rendering that is the same for the same value on either engine."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float | Decimal):
        number = float(value)  # SQLite hands back a whole NUMERIC as int, PostgreSQL as float
        return int(number) if number.is_integer() else float(format(number, ".12g"))
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.timezone.utc) if value.tzinfo else value).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def table_digest(engine: Engine, table: Table) -> TableDigest:
    """Stream ``table`` in natural-key order and hash its comparable columns."""
    query, key_width = _query(table, engine)
    sha = hashlib.sha256(json.dumps(list(query.selected_columns.keys())).encode())
    rows = duplicates = 0
    previous: tuple[Any, ...] | None = None
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(query)
        for row in result:
            key = tuple(row[:key_width])
            duplicates += key == previous
            previous = key
            rows += 1
            sha.update(json.dumps([canonical(v) for v in row], ensure_ascii=False).encode())
            sha.update(b"\n")
    return TableDigest(table.name, rows, sha.hexdigest(), duplicates)


def database_digest(engine: Engine, tables: Iterable[str] | None = None) -> dict[str, TableDigest]:
    """The digest of every data table (or of the named ones), by table name."""
    chosen = data_tables() if tables is None else [metadata.tables[name] for name in tables]
    return {table.name: table_digest(engine, table) for table in chosen}


def differing(first: dict[str, TableDigest], second: dict[str, TableDigest]) -> list[str]:
    """Names of the tables whose rows differ between two digests (or that only one has)."""
    names: Sequence[str] = sorted(set(first) | set(second))
    return [name for name in names if first.get(name) != second.get(name)]
