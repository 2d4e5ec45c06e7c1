"""Rates, indices and P/L are rounded half away from zero, identically on both engines (§0, B30)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine

from darkhorses.stats.sql import DH_UNITS, P_SCALE, ae_index, percent, profit_loss


def _half_up(value: Fraction, places: int) -> float:
    """The oracle: exact rational, rounded half away from zero."""
    quantum = Decimal(1).scaleb(-places)
    sign = -1 if value < 0 else 1
    exact = Decimal(abs(value.numerator)) / Decimal(value.denominator)
    return sign * float(exact.quantize(quantum, rounding=ROUND_HALF_UP))


def _scalar(engine: Engine, sql: str, **params: int) -> float | None:
    with engine.connect() as connection:
        value = connection.execute(text(f"SELECT {sql}"), params).scalar_one()
    return None if value is None else float(value)


def test_exact_ties_round_up_on_both_engines(engine: Engine) -> None:
    assert _scalar(engine, percent(":a", ":b"), a=1, b=32) == 3.13  # 3.125
    assert _scalar(engine, percent(":a", ":b"), a=1, b=3) == 33.33
    assert _scalar(engine, percent(":a", ":b"), a=2, b=3) == 66.67
    assert _scalar(engine, percent(":a", ":b"), a=1, b=0) is None


def test_profit_loss_rounds_half_pence_away_from_zero(engine: Engine) -> None:
    half_penny = DH_UNITS // 2
    assert _scalar(engine, profit_loss(":u"), u=-(100 * DH_UNITS + half_penny)) == -1.01
    assert _scalar(engine, profit_loss(":u"), u=350 * DH_UNITS + half_penny) == 3.51
    assert _scalar(engine, profit_loss(":u"), u=0) == 0.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.integers(0, 5000), extra=st.integers(0, 5000))
def test_percent_matches_exact_rational_rounding(engine: Engine, part: int, extra: int) -> None:
    whole = part + extra
    expected = None if whole == 0 else _half_up(Fraction(100 * part, whole), 2)
    assert _scalar(engine, percent(":a", ":b"), a=part, b=whole) == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(wins=st.integers(0, 500), expected_nano=st.integers(1, 10**12))
def test_ae_matches_exact_rational_rounding(engine: Engine, wins: int, expected_nano: int) -> None:
    oracle = _half_up(Fraction(wins * P_SCALE, expected_nano), 3)
    assert _scalar(engine, ae_index(":w", ":e"), w=wins, e=expected_nano) == oracle
