"""What populate needs to know about one statistics table: how to compute it and how to swap it in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table

from darkhorses.stats.context import Context
from darkhorses.stats.sql import Dialect

StageSql = Callable[[Dialect, Context], str]


@dataclass(frozen=True)
class Job:
    """One table: a SELECT producing its new contents, and the way they replace the old ones.

    ``master`` tables (jockeys, sires, ...) hold fetched identity columns, so only their statistics
    columns are updated, row by row on ``id``. Other tables are calculated outright: their rows are
    upserted on ``key`` and rows whose key is no longer produced are deleted.
    """

    table: Table
    category: str
    stage_sql: StageSql
    stamp: str
    key: tuple[str, ...] = ("id",)
    master: bool = False

    @property
    def name(self) -> str:
        return self.table.name
