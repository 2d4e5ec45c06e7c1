"""Batch size changes nothing: the same rows upserted in groups of any size store the same values
and raise the same errors, on each engine.

A group's size picks the way it is written (on PostgreSQL, large groups go through COPY); each
example writes a handful of runners twice (a full row, then one with values missing), padded with
other runners to each size, and compares what was stored, or the error raised, size by size.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine

from darkhorses.db.schema import ra_mst_courses, ra_mst_horses, ra_mst_races, ra_mst_runners
from darkhorses.db.upsert import upsert, upsert_all

SIZES = (1, 10, 499, 500, 600)
SAMPLE = 4
RACE = "rac_paths"
COLUMNS = ("draw", "comment", "past_results_flags", "is_non_runner", "position", "starting_price_decimal",
           "result_updated_at", "dob")
"""One column of each kind of type and merge rule: integer, text, JSON, boolean, clearable,
numeric, timestamp (a naive one must be refused), date."""

ZONES = st.sampled_from([None, *[dt.timezone(dt.timedelta(hours=hours)) for hours in (0, 1, -5, 0, 1, 10)]])
"""Now and then no zone at all (a naive timestamp, which must be refused)."""
TIMESTAMPS = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1),
                          timezones=ZONES).map(lambda moment: moment.replace(microsecond=0))
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "draw": st.integers(0, 40),
    "comment": TEXT,
    "past_results_flags": st.lists(st.sampled_from(["C", "D", "CD", "BF"]), max_size=3),
    "is_non_runner": st.booleans(),
    "position": st.integers(1, 30),
    "starting_price_decimal": st.integers(101, 100_000).map(lambda n: n / 100),
    "result_updated_at": TIMESTAMPS,
    "dob": st.dates(dt.date(2010, 1, 1), dt.date(2025, 1, 1)),
}


def _row(horse: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"race_id": RACE, "horse_id": horse, **values}


def _rows(horse: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({name: VALUES[name] for name in COLUMNS}).map(lambda values: _row(horse, values))


def _later(horse: str) -> st.SearchStrategy[dict[str, Any]]:
    """The second write: any value may be missing (None)."""
    return st.fixed_dictionaries({name: st.one_of(st.none(), VALUES[name]) for name in COLUMNS}).map(
        lambda values: _row(horse, values))


HORSES = [f"hrs_s{n}" for n in range(SAMPLE)]
FILLER = [f"hrs_f{n}" for n in range(max(SIZES))]
WRITES = st.tuples(st.tuples(*map(_rows, HORSES)), st.tuples(*map(_later, HORSES)))
PLAIN = {"draw": 1, "comment": "filler", "past_results_flags": ["C"], "is_non_runner": False, "position": 2,
         "starting_price_decimal": 3.5, "result_updated_at": dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
         "dob": dt.date(2020, 1, 1)}


def _padded(rows: tuple[dict[str, Any], ...], size: int) -> list[dict[str, Any]]:
    """``rows`` and filler runners of the same shape, ``size`` in all (at least ``rows``)."""
    return [*rows, *(_row(horse, PLAIN) for horse in FILLER[: max(size - len(rows), 0)])]


def _outcome(engine: Engine, writes: tuple[tuple[dict[str, Any], ...], ...], size: int) -> Any:
    """What a size stores for the sampled runners, or the error it raises; rolled back after."""
    with engine.connect() as connection, connection.begin() as transaction:
        try:
            for rows in writes:
                upsert(connection, ra_mst_runners, _padded(rows, size))
        except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
            transaction.rollback()
            return type(exc).__name__, str(exc).splitlines()[0]
        stored = connection.execute(
            select(ra_mst_runners.c.horse_id, *(ra_mst_runners.c[name] for name in COLUMNS))
            .where(ra_mst_runners.c.horse_id.in_(HORSES)).order_by(ra_mst_runners.c.horse_id)
        ).all()
        transaction.rollback()
    return [tuple(row) for row in stored]


def test_every_batch_size_stores_the_same_values_and_raises_the_same_errors(engine: Engine) -> None:
    with engine.begin() as connection:
        upsert_all(connection, {
            ra_mst_courses: [{"id": "crs_paths", "name": "Ascot"}],
            ra_mst_races: [{"id": RACE, "course_id": "crs_paths", "date": dt.date(2025, 6, 1), "race_name": "Paths"}],
            ra_mst_horses: [{"id": horse, "name": horse} for horse in HORSES + FILLER],
        })

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(writes=WRITES)
    def same_everywhere(writes: tuple[tuple[dict[str, Any], ...], ...]) -> None:
        outcomes = {size: _outcome(engine, writes, size) for size in SIZES}
        assert len({repr(outcome) for outcome in outcomes.values()}) == 1, outcomes

    same_everywhere()


def test_a_naive_timestamp_is_refused_whatever_the_batch_size(engine: Engine) -> None:
    """The issue's case: a naive timestamp was refused in a batch of 10 and stored from one of 600."""
    naive = dict(PLAIN, result_updated_at=dt.datetime(2025, 6, 1, 14, 0))
    rows = (_row(HORSES[0], naive),)
    with engine.begin() as connection:
        upsert_all(connection, {
            ra_mst_courses: [{"id": "crs_paths", "name": "Ascot"}],
            ra_mst_races: [{"id": RACE, "course_id": "crs_paths", "date": dt.date(2025, 6, 1), "race_name": "Paths"}],
            ra_mst_horses: [{"id": horse, "name": horse} for horse in HORSES + FILLER],
        })
    for size in (10, 600):
        assert _outcome(engine, (rows,), size) == (
            "ValueError", "naive datetime datetime.datetime(2025, 6, 1, 14, 0): timestamps must carry a time zone")
