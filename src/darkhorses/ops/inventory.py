"""The column inventory: every table and column with its type and where it comes from.

Generated from ``schema.py`` every time, so it cannot drift from the schema the way the old
hand-maintained inventory did. Given a database, it adds each table's row count and each column's
non-null count and fill percentage, counted with one ``SELECT`` per table, or, for a big
PostgreSQL table, read from the planner's statistics and marked ``estimated``
(:mod:`darkhorses.db.sizes`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Table, func, inspect, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from darkhorses.db.schema import endpoint_paths, metadata
from darkhorses.db.sizes import estimated_fill
from darkhorses.db.upsert import missing_value_rule

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
        "endpoint": endpoint_paths(column),
        "api_field": info.get("api_field"),
        "populated_by": info.get("populated_by"),
        "expected_fill": info.get("expected_fill"),
        "missing_value": missing_value_rule(column),
        "empty_because": info.get("empty_because"),
    }


class ColumnFill(NamedTuple):
    rows: int
    non_null: dict[str, int]
    """Per column, the rows holding a value."""
    estimated: bool
    """True when both come from PostgreSQL's planner statistics rather than a count."""


def column_fill(connection: Connection, table: Table) -> ColumnFill:
    """Row count and per-column non-null counts: the planner's estimates for a big PostgreSQL
    table, otherwise counted in one scan."""
    estimate = estimated_fill(connection, table)
    if estimate is not None:
        return ColumnFill(*estimate, estimated=True)
    query = select(func.count().label("__rows__"), *(func.count(c).label(c.name) for c in table.columns))
    row = connection.execute(query).mappings().one()
    return ColumnFill(row["__rows__"], {c.name: row[c.name] for c in table.columns}, estimated=False)


def build_inventory(engine: Engine | None = None) -> dict[str, Any]:
    """The inventory as plain data, ready for JSON. Tables missing from the database are
    listed with ``rows: null`` rather than failing, so a partly migrated database still reports.
    ``estimated`` says whether a table's figures are the planner's estimates."""
    present = set(inspect(engine).get_table_names()) if engine is not None else set()
    tables = []
    for table in metadata.sorted_tables:
        columns = [_column_entry(table, name) for name in table.c.keys()]
        entry: dict[str, Any] = {"name": table.name, "column_count": len(columns), "columns": columns}
        if engine is not None:
            entry["rows"], entry["estimated"] = None, False
            if table.name in present:
                with engine.connect() as connection:
                    rows, filled, entry["estimated"] = column_fill(connection, table)
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


def meets_expected_fill(share: float, expected: float | None) -> bool:
    """Whether a column filled in ``share`` (0-1) of its rows counts as filled: at or above its
    schema ``expected_fill``, or holding any value when the schema promises none (so a column
    that says why it may stay empty, expected fill 0, always counts)."""
    return share > 0 if expected is None else share >= expected


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped (endpoints are written ``a | b``), empty as a dash."""
    return "-" if value in (None, "") else str(value).replace("|", "\\|")


def inventory_markdown(report: dict[str, Any]) -> str:
    """``docs/tables.md``: every table and column, from a schema-only inventory.

    Row counts and fill are left out so the page depends on the schema alone and a test can
    prove the committed copy current.
    """
    from darkhorses.ops.quality import EMPTY_JUDGED_FROM_ROWS  # quality reads fill through this module

    lines = [
        "# Tables and columns",
        "",
        "Generated from `src/darkhorses/db/schema.py` by `darkhorses inventory --schema-only --markdown docs/tables.md`;",
        "do not edit by hand. `source` says where a value comes from: `api` (read from an API field),",
        "`derived` (parsed or converted from API data), `calculated` (computed by `darkhorses populate`)",
        "or `system` (bookkeeping). `expected fill` is the share of rows that must have a value;",
        "`darkhorses status` and `darkhorses health` flag a column that falls below it, and any column",
        f"but a statistic with no value at all in a table of {EMPTY_JUDGED_FROM_ROWS:,} rows or more unless it",
        "says why (`0%`, with the reason); `darkhorses populate --status` counts a statistic filled only",
        "at or above its expected fill (any value at all when none is given).",
        "`missing value` says what a payload that sends nothing for a column does to a stored value:",
        "it keeps it (a results body that blanks a rating never erases the racecard's), it replaces it",
        "where NULL is itself a value (the place of a runner that did not finish), or the endpoint named",
        "only fills a NULL (a result's rounded distance for a race no racecard described).",
        "",
        "Ratings: on `ra_mst_runners`, `rpr` and `ts` are the racecard's ratings BEFORE the race;",
        "`result_rpr` and `result_tsr` (and `rpr`/`tsr` on `ra_mst_race_results`) are the ratings EARNED",
        "in it; `ofr` is the official rating the horse ran off, the same on both. `draw` is the stall",
        "number, NULL where there are no stalls (racecards send `\"0\"`, results `\"\"`); `draw_raw` keeps",
        "the text as sent.",
        "",
        f"{report['table_count']} tables, {report['column_count']} columns.",
    ]
    for table in report["tables"]:
        lines += ["", f"## {table['name']}", "",
                  "| column | type | null | source | endpoint | API field | filled by | expected fill | missing value |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for column in table["columns"]:
            key = "key" if column["primary_key"] else ("yes" if column["nullable"] else "no")
            expected = column["expected_fill"]
            fill = None if expected is None else f"{expected:.0%}"
            if column["empty_because"]:
                fill = f"{fill}: {column['empty_because']}"
            lines.append("| " + " | ".join(_cell(value) for value in (
                f"`{column['name']}`", column["type"], key, column["source"], column["endpoint"],
                column["api_field"], column["populated_by"], fill, column["missing_value"],
            )) + " |")
    return "\n".join(lines) + "\n"
