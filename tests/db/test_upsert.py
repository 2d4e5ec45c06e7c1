"""The bulk upsert on both engines: idempotent, partial, keyed on natural keys, parents first."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from darkhorses.db.schema import (
    ra_mst_courses,
    ra_mst_horses,
    ra_mst_race_results,
    ra_mst_races,
    ra_mst_runners,
    ra_mst_bookmakers,
    dh_work_units,
)
from darkhorses.db.upsert import COPY_THRESHOLD, conflict_key, upsert, upsert_all

COURSE = {"id": "crs_1", "name": "Ascot", "region_code": "gb", "region": "Great Britain"}
RACE = {"id": "rac_1", "course_id": "crs_1", "date": dt.date(2025, 10, 13), "race_name": "Maiden"}
HORSE = {"id": "hrs_1", "name": "Create"}


def _parents(engine: Engine) -> None:
    with engine.begin() as connection:
        upsert_all(connection, {ra_mst_courses: [COURSE], ra_mst_races: [RACE], ra_mst_horses: [HORSE]})


def test_conflict_keys_are_natural_keys() -> None:
    assert conflict_key(ra_mst_runners) == ("race_id", "horse_id")
    assert conflict_key(ra_mst_race_results) == ("race_id", "horse_id")
    assert conflict_key(ra_mst_bookmakers) == ("code",)
    assert conflict_key(ra_mst_courses) == ("id",)


def test_rerun_is_idempotent(engine: Engine) -> None:
    for _ in range(3):
        _parents(engine)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ra_mst_courses)) == 1
        assert connection.execute(select(ra_mst_courses.c.name, ra_mst_courses.c.region)).one() == ("Ascot", "Great Britain")


def test_partial_row_keeps_the_other_columns(engine: Engine) -> None:
    _parents(engine)
    racecard = {"race_id": "rac_1", "horse_id": "hrs_1", "comment": "Sure to improve", "form": "1-23", "ofr": 80}
    result = {"race_id": "rac_1", "horse_id": "hrs_1", "position": 1, "position_raw": "1", "ofr": 82}
    with engine.begin() as connection:
        upsert(connection, ra_mst_runners, [racecard])
        first_id = connection.scalar(select(ra_mst_runners.c.id))
        upsert(connection, ra_mst_runners, [result])
    with engine.connect() as connection:
        row = connection.execute(select(ra_mst_runners)).mappings().one()
    assert row["id"] == first_id
    assert (row["comment"], row["form"], row["position"], row["position_raw"], row["ofr"]) == (
        "Sure to improve", "1-23", 1, "1", 82,
    )


@pytest.mark.parametrize("rows", [1, COPY_THRESHOLD + 10], ids=["statement", "copy-size batch"])
def test_a_missing_value_never_overwrites_a_present_one(engine: Engine, rows: int) -> None:
    """None for a column an API endpoint feeds leaves the stored value; a new value replaces it.
    The same on both engines and for a batch large enough to go through COPY on PostgreSQL."""
    courses = [{"id": f"crs_{n}", "name": f"Course {n}", "region_code": "gb", "region": "Great Britain"}
               for n in range(rows)]
    with engine.begin() as connection:
        upsert(connection, ra_mst_courses, courses)
        upsert(connection, ra_mst_courses, [{**row, "region": None, "region_code": "ire"} for row in courses])
    with engine.connect() as connection:
        stored = set(connection.execute(select(ra_mst_courses.c.region, ra_mst_courses.c.region_code)))
    assert stored == {("Great Britain", "ire")}


def test_a_missing_json_value_is_null_and_keeps_the_stored_one(engine: Engine) -> None:
    """``None`` in a JSON column is SQL NULL, not the JSON ``null``: a racecard without form flags
    keeps the flags an earlier one sent, and counts as empty."""
    _parents(engine)
    runner = {"race_id": "rac_1", "horse_id": "hrs_1"}
    with engine.begin() as connection:
        upsert(connection, ra_mst_runners, [{**runner, "past_results_flags": ["C", "D"]}])
        upsert(connection, ra_mst_runners, [{**runner, "past_results_flags": None}])
        assert connection.scalar(select(ra_mst_runners.c.past_results_flags)) == ["C", "D"]
        connection.execute(ra_mst_runners.update().values(past_results_flags=None))
        assert connection.scalar(select(func.count(ra_mst_runners.c.past_results_flags))) == 0


def test_a_null_that_is_a_value_replaces_the_stored_one(engine: Engine) -> None:
    """An amended result turns a placed horse into a disqualified one: its place becomes NULL
    (``clearable``), while a NULL in a bookkeeping column no payload feeds is written as sent."""
    _parents(engine)
    placed = {"race_id": "rac_1", "horse_id": "hrs_1", "position": 1, "position_raw": "1"}
    with engine.begin() as connection:
        upsert(connection, ra_mst_runners, [placed])
        upsert(connection, ra_mst_runners, [{**placed, "position": None, "position_raw": "DSQ"}])
        assert connection.execute(select(ra_mst_runners.c.position, ra_mst_runners.c.position_raw)).one() == (
            None, "DSQ")
        upsert(connection, dh_work_units, [{"job": "j", "partition_key": "k", "status": "failed", "last_error": "x"}])
        upsert(connection, dh_work_units, [{"job": "j", "partition_key": "k", "status": "done", "last_error": None}])
        assert connection.scalar(select(dh_work_units.c.last_error)) is None


def test_updated_at_moves_and_created_at_stays(engine: Engine) -> None:
    _parents(engine)
    past = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    with engine.begin() as connection:
        connection.execute(ra_mst_courses.update().values(created_at=past, updated_at=past))
        upsert(connection, ra_mst_courses, [{**COURSE, "name": "Ascot (new)", "created_at": dt.datetime.now(dt.timezone.utc)}])
    with engine.connect() as connection:
        created, updated = connection.execute(select(ra_mst_courses.c.created_at, ra_mst_courses.c.updated_at)).one()
    assert created == past
    assert updated > past
    assert updated.tzinfo is not None


def test_duplicate_keys_in_one_batch_merge_with_later_values_winning(engine: Engine) -> None:
    with engine.begin() as connection:
        written = upsert(
            connection,
            ra_mst_courses,
            [{"id": "crs_1", "name": "A", "region": "x"}, {"id": "crs_1", "name": "B"}],
        )
    assert written == 1
    with engine.connect() as connection:
        assert connection.execute(select(ra_mst_courses.c.name, ra_mst_courses.c.region)).one() == ("B", "x")


def test_large_batches_and_mixed_shapes(engine: Engine) -> None:
    rows = [{"id": f"crs_{i}", "name": f"Course {i}"} for i in range(5000)]
    rows += [{"id": f"crs_{i}", "name": f"Course {i}", "region_code": "gb"} for i in range(0, 5000, 2)]
    with engine.begin() as connection:
        assert upsert(connection, ra_mst_courses, rows, batch_size=700) == 5000
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ra_mst_courses)) == 5000
        assert connection.scalar(select(func.count(ra_mst_courses.c.region_code))) == 2500


def test_upsert_all_writes_parents_first_whatever_the_order(engine: Engine) -> None:
    with engine.begin() as connection:
        written = upsert_all(
            connection,
            {
                ra_mst_runners: [{"race_id": "rac_1", "horse_id": "hrs_1", "number": "1"}],
                ra_mst_horses: [HORSE],
                ra_mst_races: [RACE],
                ra_mst_courses: [COURSE],
            },
        )
    assert written == {"ra_mst_courses": 1, "ra_mst_horses": 1, "ra_mst_races": 1, "ra_mst_runners": 1}


def test_a_child_without_its_parent_is_refused(engine: Engine) -> None:
    with pytest.raises(IntegrityError):
        with engine.begin() as connection:
            upsert(connection, ra_mst_runners, [{"race_id": "rac_missing", "horse_id": "hrs_1"}])


def test_unknown_columns_are_refused_before_anything_is_sent(engine: Engine) -> None:
    with pytest.raises(ValueError, match="no column"):
        with engine.begin() as connection:
            upsert(connection, ra_mst_courses, [{"id": "crs_1", "name": "A", "dam_region": "GB"}])


def test_stored_values_are_those_of_a_core_insert(engine: Engine) -> None:
    """The upsert binds values itself (cached statements, the types' own bind processors): dates,
    aware timestamps, booleans, numerics and JSON must be stored exactly as Core stores them."""
    _parents(engine)
    base = {"course_id": "crs_1", "date": dt.date(2025, 10, 13), "race_name": "Maiden",
            "off_dt": dt.datetime(2025, 10, 13, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            "off_time": dt.time(14, 30), "distance_f": 8.5, "is_big_race": True, "has_result": False}
    with engine.begin() as connection:
        connection.execute(ra_mst_races.insert(), [{**base, "id": "rac_core"}])
        upsert(connection, ra_mst_races, [{**base, "id": "rac_upsert"}])
        columns = [ra_mst_races.c[name] for name in base]
        stored = {
            race_id: tuple(values)
            for race_id, *values in connection.execute(
                select(ra_mst_races.c.id, *[func.quote(c) if engine.dialect.name == "sqlite" else c for c in columns])
            )
        }
    assert stored["rac_upsert"] == stored["rac_core"]


@pytest.mark.parametrize("size", [3, 600])  # 600: PostgreSQL's COPY path
def test_the_count_is_rows_inserted_or_changed_not_rows_sent(engine: Engine, size: int) -> None:
    """Issue 15: a --test run reported 138 courses written for a table of 85 (stubs and unchanged rows counted)."""
    rows = [{"id": f"crs_{i}", "name": f"Course {i}", "region_code": "gb"} for i in range(size)]
    with engine.begin() as connection:
        assert upsert(connection, ra_mst_courses, rows) == size
        assert upsert(connection, ra_mst_courses, rows) == 0  # the same values again: nothing written
        assert upsert(connection, ra_mst_courses, [{"id": r["id"], "name": "Stub"} for r in rows],
                      update_existing=False) == 0
        changed = [{**row, "name": "Renamed"} if index % 3 == 0 else row for index, row in enumerate(rows)]
        assert upsert(connection, ra_mst_courses, changed) == len(range(0, size, 3))
        assert upsert(connection, ra_mst_courses, [{"id": f"crs_new{i}", "name": "Stub"} for i in range(size)],
                      update_existing=False) == size


@pytest.mark.parametrize("size", [3, 600])  # 600: PostgreSQL's COPY path
def test_added_counts_only_the_new_rows(engine: Engine, size: int) -> None:
    """``added`` is what ``ra_metadata_tracking`` sums instead of counting tables: rows whose key
    was new, whether the rest were updated, unchanged or (stubs) left alone."""
    from collections import Counter

    from sqlalchemy import func, select

    from darkhorses.db.schema import ra_mst_jockeys

    first = [{"id": f"jky_{n}", "name": f"J {n}"} for n in range(size)]
    again = [{"id": f"jky_{n}", "name": f"J {n}" if n % 2 else "Renamed"} for n in range(size + 5)]
    added: Counter[str] = Counter()
    with engine.begin() as connection:
        upsert(connection, ra_mst_jockeys, first, added=added)
        assert added == {"ra_mst_jockeys": size}
        upsert(connection, ra_mst_jockeys, again, added=added)
        assert added == {"ra_mst_jockeys": size + 5}
        upsert(connection, ra_mst_jockeys, [{"id": "jky_0", "name": "x"}, {"id": "jky_new", "name": "y"}],
               update_existing=False, added=added)
        assert added == {"ra_mst_jockeys": size + 6} == {
            "ra_mst_jockeys": connection.scalar(select(func.count()).select_from(ra_mst_jockeys))}
