"""What populate needs to know about one statistics table: how to compute it and how to swap it in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table

from darkhorses.stats.context import Context
from darkhorses.stats.sql import Dialect

StageSql = Callable[[Dialect, Context], str]
ScopeSql = Callable[[Context, str], str]
"""A predicate over a row of the table (its alias given): the row belongs to the batch's scope."""
CalendarSql = Callable[[Dialect], str]
"""An ``UPDATE`` of the table's columns that change with the as-of date alone (``:as_of``, ``:as_of_day``)."""


@dataclass(frozen=True)
class Job:
    """One table: a SELECT producing its new contents, and the way they replace the old ones.

    ``master`` tables (jockeys, sires, ...) hold fetched identity columns, so only their statistics
    columns are updated, row by row on ``id``. Other tables are calculated outright: their rows are
    upserted on ``key`` and rows whose key is no longer produced are deleted.

    In an incremental batch the SELECT produces only the rows of keys in scope, and only rows
    that ``scope`` accepts may be deleted; ``calendar`` then brings every row's date-dependent
    columns to the new as-of date (cheap: no aggregate, one pass over the table).
    """

    table: Table
    category: str
    stage_sql: StageSql
    stamp: str
    key: tuple[str, ...] = ("id",)
    master: bool = False
    scope: ScopeSql | None = None
    calendar: CalendarSql | None = None

    @property
    def name(self) -> str:
        return self.table.name
