"""``populate --status``: for each statistics table, its rows, when it was last computed and how
full each of its calculated columns is (one aggregate query per table, read from schema metadata)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Column, func, select
from sqlalchemy.engine import Engine

from darkhorses.db.schema import written_by_populate
from darkhorses.ops.inventory import meets_expected_fill
from darkhorses.stats.populate import JOBS


@dataclass(frozen=True)
class TableStatus:
    table: str
    category: str
    rows: int
    last_computed: dt.datetime | None
    fill: dict[str, float]
    """Share of rows (0-1) with a value, for every column ``populate`` writes."""
    expected: dict[str, float | None]
    """The share each of those columns must reach to count as filled: its schema ``expected_fill``
    (0 for a column that says why it may be empty), or None: any value at all."""

    def filled(self) -> list[str]:
        """Columns at or above their expected fill (an empty table fills none)."""
        return [name for name, share in self.fill.items()
                if self.rows and meets_expected_fill(share, self.expected[name])]

    def least_filled(self) -> tuple[str, float] | None:
        """The emptiest column short of its expected fill, or the emptiest of all when every
        column is filled (None without columns)."""
        filled = set(self.filled())
        short = [(name, share) for name, share in self.fill.items() if name not in filled]
        return min(short or self.fill.items(), key=lambda item: item[1], default=None)


def calculated_columns(columns: list[Column]) -> list[Column]:
    return [c for c in columns if written_by_populate(c)]


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
            expected = {c.name: c.info.get("expected_fill") for c in columns}
            out.append(TableStatus(table.name, job.category, rows, row[1], fill, expected))
    return out
