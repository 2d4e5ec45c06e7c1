"""``populate --status``: for each statistics table, its rows, when it was last computed and how
full each of its calculated columns is (one aggregate query per table, read from schema metadata)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Column, func, select
from sqlalchemy.engine import Engine

from darkhorses.stats.populate import JOBS


@dataclass(frozen=True)
class TableStatus:
    table: str
    category: str
    rows: int
    last_computed: dt.datetime | None
    fill: dict[str, float]
    """Share of rows (0-1) with a value, for every column ``populate`` writes."""


def calculated_columns(columns: list[Column]) -> list[Column]:
    return [c for c in columns if str(c.info.get("populated_by", "")).startswith("stats.")]


def status(engine: Engine) -> list[TableStatus]:
    out: list[TableStatus] = []
    with engine.connect() as connection:
        for job in JOBS.values():
            table = job.table
            columns = calculated_columns(list(table.columns))
            row = connection.execute(
                select(func.count(), func.max(table.c[job.stamp]), *(func.count(c) for c in columns))
            ).one()
            rows = int(row[0])
            fill = {c.name: (int(n) / rows if rows else 0.0) for c, n in zip(columns, row[2:], strict=True)}
            out.append(TableStatus(table.name, job.category, rows, row[1], fill))
    return out
