"""The parameters of one populate batch, and how they reach the SQL.

One batch has one as-of date D and one computation timestamp (STATISTICS.md §0), so every table
written by it agrees on both. Windows are integer day numbers computed here once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, TextClause, bindparam, text

from darkhorses.db.types import UTCDateTime

EPOCH = dt.date(1970, 1, 1)

SUMS_TABLE = "dh_stats_sums"
"""The stored sums of every statistics group (:mod:`darkhorses.stats.sums`)."""
TEST_SUMS = "test_sums"
"""A ``--test`` batch's own sums, in a temporary table: it writes nothing."""

MIN_RUNS = 5
"""Smallest group written to the performance and combination tables (the previous daily value)."""

MIN_GROUP_RUNS = 1
"""Smallest class/distance group ranked in a pedigree breakdown (§4.3: 1 for parity)."""


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass(frozen=True)
class Context:
    """What one batch computes: as of ``as_of``, stamped ``batch_ts``.

    The statistics window is every resulted race on or before ``as_of``, narrowed by ``since``
    (races on or after that date) or ``lookback`` (the last N days, ``as_of`` included); the
    ``test_from`` slice (``--test``) narrows it the same way. ``incremental`` restricts every
    statement to the keys in the batch's scope (:mod:`darkhorses.stats.scope`).
    """

    as_of: dt.date
    batch_ts: dt.datetime
    min_runs: int = MIN_RUNS
    min_group_runs: int = MIN_GROUP_RUNS
    since: dt.date | None = None
    lookback: int | None = None
    test_from: dt.date | None = None
    incremental: bool = False

    @property
    def as_of_day(self) -> int:
        return day_number(self.as_of)

    @property
    def sums_table(self) -> str:
        """Where the grouped statistics read their sums."""
        return TEST_SUMS if self.test_from is not None else SUMS_TABLE

    @property
    def first_day(self) -> int | None:
        """The first day number of the statistics window, or None for all history."""
        starts = [day_number(day) for day in (self.since, self.test_from) if day is not None]
        if self.lookback is not None:
            starts.append(self.as_of_day - self.lookback + 1)
        return max(starts, default=None)

    def parameters(self) -> dict[str, object]:
        """What shapes the numbers besides the as-of date and the data: a change in any of them
        means every row must be recomputed."""
        return {"min_runs": self.min_runs, "min_group_runs": self.min_group_runs,
                "since": self.since.isoformat() if self.since else None, "lookback_days": self.lookback}

    def query_filters(self) -> str:
        """The JSON recorded in ``query_filters``: the parameters that shaped the numbers."""
        filters: dict[str, object] = {"as_of": self.as_of.isoformat(), "min_runs": self.min_runs,
                                      "lookback_days": self.lookback}
        if self.since is not None:
            filters["since"] = self.since.isoformat()
        if self.test_from is not None:
            filters["test_slice_from"] = self.test_from.isoformat()
        return json.dumps(filters, sort_keys=True)

    def params(self) -> dict[str, Any]:
        """Every named parameter a statistics statement may use."""
        return {
            "as_of": self.as_of,
            "as_of_day": self.as_of_day,
            "day_14": self.as_of_day - 14,
            "day_30": self.as_of_day - 30,
            "batch_ts": self.batch_ts,
            "min_runs": self.min_runs,
            "min_group_runs": self.min_group_runs,
            "first_day": self.first_day,
            "query_filters": self.query_filters(),
        }

    @staticmethod
    def sql(statement: str) -> TextClause:
        """``text()`` with the date and timestamp parameters typed, so both drivers bind them alike."""
        clause = text(statement)
        typed = [bindparam("as_of", type_=Date()), bindparam("batch_ts", type_=UTCDateTime())]
        present = [param for param in typed if re.search(rf":{param.key}\b", statement)]
        return clause.bindparams(*present) if present else clause
