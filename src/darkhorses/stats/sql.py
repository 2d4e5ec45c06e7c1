"""SQL fragments shared by every statistics table, written once for SQLite and PostgreSQL.

Two things would otherwise make the engines disagree:

* **Dialect gaps.** Date arithmetic and JSON aggregation are spelt differently; :class:`Dialect`
  hides that behind one method each.
* **Rounding.** ``ROUND`` of a double (SQLite) and of a numeric (PostgreSQL) differ at exact
  ``.xx5`` ties, and sums of doubles drift. Every rate, index and money figure is therefore
  computed in **integers** (counts, pence, nano-probabilities) and rounded half away from zero
  with integer division (STATISTICS.md §0), which both engines do exactly alike. Only the final
  division by a power of ten leaves the integer domain.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

P_SCALE = 10**9
"""Implied probabilities are stored as integer nano-units: ``p_nano = round(1e9 / sp_dec)``."""

DH_UNITS = 2520
"""P/L is summed in 1/2520 pence-units: 2520 is divisible by every dead-heat size from 1 to 10."""

EUR_TO_GBP_PERCENT = 85
"""Prize money is totalled in sterling; euro prizes are converted at this fixed, documented rate
(85p per euro) so that British and Irish prizes can be added (STATISTICS.md A10/B28)."""


@dataclass(frozen=True)
class Dialect:
    """The few spellings that differ between SQLite and PostgreSQL."""

    name: str

    @classmethod
    def of(cls, connection: Connection) -> Dialect:
        return cls(connection.dialect.name)

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgresql"

    def day_number(self, date_sql: str) -> str:
        """Days since 1970-01-01 as an integer, so windows and ``days_since`` are integer maths."""
        if self.is_postgres:
            return f"({date_sql} - DATE '1970-01-01')"
        return f"CAST(julianday({date_sql}) - 2440587.5 AS INTEGER)"

    def bytewise(self, text_sql: str) -> str:
        """Text that sorts byte by byte. The groups and every value computed over them are the
        same (equality is bytewise either way), but PostgreSQL sorts ``COLLATE "C"`` text with
        ``memcmp`` and abbreviated keys instead of the locale's ``strcoll``, several times faster
        on the million-row window sorts. SQLite compares bytes already. Never compare the result
        with a column of the default collation: PostgreSQL refuses to mix the two."""
        return f'({text_sql} COLLATE "C")' if self.is_postgres else text_sql

    @property
    def differs(self) -> str:
        """The NULL-safe inequality of two values or row values."""
        return "IS DISTINCT FROM" if self.is_postgres else "IS NOT"

    def epoch_seconds(self, timestamp_sql: str) -> str:
        """A UTC timestamp as whole seconds since 1970 (NULL stays NULL)."""
        if self.is_postgres:
            return f"CAST(EXTRACT(EPOCH FROM {timestamp_sql}) AS BIGINT)"
        return f"CAST(strftime('%s', {timestamp_sql}) AS INTEGER)"

    def greatest(self, a: str, b: str) -> str:
        """The larger of two values, ignoring a NULL (SQLite's two-argument MAX returns NULL)."""
        return f"GREATEST({a}, {b})" if self.is_postgres else f"COALESCE(MAX({a}, {b}), {a}, {b})"

    def least(self, a: str, b: str) -> str:
        """The smaller of two values, ignoring a NULL."""
        return f"LEAST({a}, {b})" if self.is_postgres else f"COALESCE(MIN({a}, {b}), {a}, {b})"

    def json_object_agg(self, key_sql: str, value_sql: str) -> str:
        if self.is_postgres:
            return f"jsonb_object_agg({key_sql}, {value_sql})"
        return f"json_group_object({key_sql}, {value_sql})"

    def json_param(self, name: str) -> str:
        """A bound JSON text parameter usable as a JSON column value."""
        return f"CAST(:{name} AS JSONB)" if self.is_postgres else f":{name}"


def integer(sql: str) -> str:
    """PostgreSQL sums integers into ``numeric``; casting back keeps the division an integer one."""
    return f"CAST({sql} AS BIGINT)"


def decimal(units: str, scale: int) -> str:
    """An integer count of ``10**-scale`` units as a decimal value (exact on both engines)."""
    return f"ROUND({units} / {10**scale}.0, {scale})"


def ratio(numerator: str, denominator: str, scale: int) -> str:
    """``numerator / denominator`` rounded half away from zero to ``scale`` places; NULL if the
    denominator is 0 or NULL. Both operands must be non-negative integers."""
    n, d = integer(numerator), integer(denominator)
    return f"(CASE WHEN {d} > 0 THEN {decimal(f'((2 * {10**scale} * {n} + {d}) / (2 * {d}))', scale)} END)"


def percent(part: str, whole: str) -> str:
    """``100 * part / whole`` to 2 places (a strike rate or place rate)."""
    return ratio(f"100 * {integer(part)}", whole, 2)


def ae_index(wins_with_sp: str, expected_nano: str) -> str:
    """A/E as a ratio to 3 places: winners with an SP over the sum of their SP probabilities."""
    return ratio(f"{P_SCALE} * {integer(wins_with_sp)}", expected_nano, 3)


def profit_loss(pl_units: str) -> str:
    """Level-stakes P/L at SP in pounds (a 1-unit stake) from summed ``pl_units``, rounded to the
    penny half away from zero; NULL when no run had an SP."""
    u = integer(pl_units)
    pence = f"((2 * ABS({u}) + {DH_UNITS}) / (2 * {DH_UNITS}))"
    return f"(CASE WHEN {u} < 0 THEN -{decimal(pence, 2)} WHEN {u} >= 0 THEN {decimal(pence, 2)} END)"


def pounds(pence: str) -> str:
    return decimal(integer(pence), 2)
