"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no time-zone-aware timestamp and no JSONB; these types give both engines one
behaviour so that the pipeline and the statistics return identical values on either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric
from sqlalchemy.dialects.postgresql import JSONB as PG_JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

JSONB = JSON(none_as_null=True).with_variant(PG_JSONB(none_as_null=True), "postgresql")
"""JSON everywhere, stored as ``jsonb`` on PostgreSQL (indexable, compact). Python ``None`` is SQL
NULL, not the JSON ``null``: a missing value must be missing to the upsert's ``COALESCE`` and to
fill counts, whichever way the row was written."""


def num(precision: int | None = None, scale: int | None = None) -> Numeric:
    """A NUMERIC column read back as ``float``, so both engines return the same Python type."""
    return Numeric(precision, scale, asdecimal=False)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned time-zone aware.

    PostgreSQL stores ``timestamptz``; SQLite stores the UTC wall time. A naive value is refused
    on the way in: a clock without a zone is exactly the ambiguity the old system suffered from.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry a time zone")
        utc = value.astimezone(dt.timezone.utc)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
