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

MIN_RUNS = 5
"""Smallest group written to the performance and combination tables (the previous daily value)."""

MIN_GROUP_RUNS = 1
"""Smallest class/distance group ranked in a pedigree breakdown (§4.3: 1 for parity)."""


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass(frozen=True)
class Context:
    """What one batch computes: as of ``as_of``, stamped ``batch_ts``.

    ``first_day`` (a day number) limits the run relation to a recent slice (``--test``).
    """

    as_of: dt.date
    batch_ts: dt.datetime
    min_runs: int = MIN_RUNS
    min_group_runs: int = MIN_GROUP_RUNS
    first_day: int | None = None

    @property
    def as_of_day(self) -> int:
        return day_number(self.as_of)

    def query_filters(self) -> str:
        """The JSON recorded in ``query_filters``: the parameters that shaped the numbers."""
        filters: dict[str, object] = {"as_of": self.as_of.isoformat(), "min_runs": self.min_runs, "lookback_days": None}
        if self.first_day is not None:
            filters["test_slice_from"] = (EPOCH + dt.timedelta(days=self.first_day)).isoformat()
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
