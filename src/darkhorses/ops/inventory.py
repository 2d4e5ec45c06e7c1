"""The column inventory: every table and column with its type and where it comes from.

Generated from ``schema.py`` every time, so it cannot drift from the schema the way the old
hand-maintained inventory did. Given a database, it adds each table's row count and each column's
non-null count and fill percentage, counted with one ``SELECT`` per table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, func, inspect, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from darkhorses.db.schema import metadata

_POSTGRES = postgresql.dialect()
"""Types are named as PostgreSQL, the production engine, spells them."""


def _column_entry(table: Table, name: str) -> dict[str, Any]:
    column = table.c[name]
    info = column.info
    return {
        "name": column.name,
        "type": column.type.compile(dialect=_POSTGRES),
        "nullable": column.nullable,
        "primary_key": column.primary_key,
        "source": info.get("source"),
        "endpoint": info.get("endpoint"),
        "api_field": info.get("api_field"),
        "populated_by": info.get("populated_by"),
    }


def _fill(engine: Engine, table: Table) -> tuple[int, dict[str, int]]:
    """Row count and per-column non-null counts in one scan."""
    query = select(func.count().label("__rows__"), *(func.count(c).label(c.name) for c in table.columns))
    with engine.connect() as connection:
        row = connection.execute(query).mappings().one()
    return row["__rows__"], {c.name: row[c.name] for c in table.columns}


def build_inventory(engine: Engine | None = None) -> dict[str, Any]:
    """The inventory as plain data, ready for JSON. Tables missing from the database are
    listed with ``rows: null`` rather than failing, so a partly migrated database still reports."""
    present = set(inspect(engine).get_table_names()) if engine is not None else set()
    tables = []
    for table in metadata.sorted_tables:
        columns = [_column_entry(table, name) for name in table.c.keys()]
        entry: dict[str, Any] = {"name": table.name, "column_count": len(columns), "columns": columns}
        if engine is not None:
            entry["rows"] = None
            if table.name in present:
                rows, filled = _fill(engine, table)
                entry["rows"] = rows
                for column in columns:
                    column["non_null"] = filled[column["name"]]
                    column["fill_pct"] = round(100.0 * filled[column["name"]] / rows, 2) if rows else None
        tables.append(entry)
    return {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "table_count": len(tables),
        "column_count": sum(t["column_count"] for t in tables),
        "tables": tables,
    }
