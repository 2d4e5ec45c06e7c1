"""A small, consistent racing database for the operations commands, on both engines.

Two races at one course: a resulted race five days ago (two starters) and tomorrow's racecard
(two runners and a non-runner); three horses (a Pro profile, a Standard profile, not yet looked
up); a successful daily run two hours before ``NOW`` and its ledger entries. Every quality check
passes on it; each test breaks one thing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, Table, insert
from sqlalchemy.engine import Engine

from darkhorses.db.schema import (
    dh_runs,
    dh_work_units,
    metadata,
    ra_mst_courses,
    ra_mst_horses,
    ra_mst_jockeys,
    ra_mst_race_results,
    ra_mst_races,
    ra_mst_runners,
    ra_mst_trainers,
)

NOW = dt.datetime(2025, 10, 20, 12, 0, tzinfo=dt.timezone.utc)
TODAY = dt.date(2025, 10, 20)
RESULTED = "rac_past"
CARD = "rac_next"


def _race(race_id: str, day: dt.date, field_size: int, **extra: Any) -> dict[str, Any]:
    off = dt.datetime.combine(day, dt.time(14, 0), tzinfo=dt.timezone.utc)
    return {"id": race_id, "course_id": "crs_1", "date": day, "off_dt": off, "race_name": f"Race {race_id}",
            "type": "Flat", "distance_y": 1760, "field_size": field_size, **extra}


def _runner(race_id: str, horse_id: str, **extra: Any) -> dict[str, Any]:
    return {"race_id": race_id, "horse_id": horse_id, "jockey_id": "jky_1", "trainer_id": "trn_1",
            "is_non_runner": False, **extra}


def add_rows(engine: Engine, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows; a key missing from some rows is NULL in those (one statement needs one shape)."""
    keys = {key for row in rows for key in row}
    with engine.begin() as connection:
        connection.execute(insert(table), [{key: row.get(key) for key in keys} for row in rows])


def seed(engine: Engine) -> None:
    add_rows(engine, ra_mst_courses, [{"id": "crs_1", "name": "Ascot"}])
    add_rows(engine, ra_mst_horses, [{"id": "hrs_1", "name": "One", "profile_source": "pro"},
                                     {"id": "hrs_2", "name": "Two", "profile_source": "standard"},
                                     {"id": "hrs_3", "name": "Three"}])
    add_rows(engine, ra_mst_jockeys, [{"id": "jky_1", "name": "J Rider"}])
    add_rows(engine, ra_mst_trainers, [{"id": "trn_1", "name": "T Yard"}])
    add_rows(engine, ra_mst_races, [_race(RESULTED, TODAY - dt.timedelta(days=5), 2, has_result=True),
                                    _race(CARD, TODAY + dt.timedelta(days=1), 2)])
    add_rows(engine, ra_mst_runners, [_runner(RESULTED, "hrs_1"), _runner(RESULTED, "hrs_2"), _runner(CARD, "hrs_1"),
                                      _runner(CARD, "hrs_2"), _runner(CARD, "hrs_3", is_non_runner=True)])
    add_rows(engine, ra_mst_race_results, [
        {"race_id": RESULTED, "horse_id": "hrs_1", "position_str": "1", "race_date": TODAY - dt.timedelta(days=5)},
        {"race_id": RESULTED, "horse_id": "hrs_2", "position_str": "PU", "race_date": TODAY - dt.timedelta(days=5)},
    ])
    add_run(engine, finished=NOW - dt.timedelta(hours=2))
    add_rows(engine, dh_work_units, [
        {"job": "results", "partition_key": (TODAY - dt.timedelta(days=5)).isoformat(), "status": "done",
         "attempts": 1, "rows_written": 9, "finished_at": NOW - dt.timedelta(hours=2)},
        {"job": "horses", "partition_key": "hrs_1", "status": "done", "attempts": 1, "rows_written": 2,
         "finished_at": NOW - dt.timedelta(hours=2)},
    ])


def add_run(engine: Engine, *, finished: dt.datetime, mode: str = "daily", success: bool = True,
            error: str | None = None) -> None:
    add_rows(engine, dh_runs, [{
        "command": "fetch", "mode": mode, "status": "succeeded" if success else "failed", "success": success,
        "started_at": finished - dt.timedelta(minutes=10), "finished_at": finished,
        "summary": {"tables": {"ra_mst_races": 2, "ra_mst_runners": 5}}, "error": error,
    }])


def add_failed_unit(engine: Engine, key: str, finished: dt.datetime, reason: str = "server error 503") -> None:
    add_rows(engine, dh_work_units, [{"job": "results", "partition_key": key, "status": "failed", "attempts": 2,
                                      "last_error": reason, "finished_at": finished}])


def recreate_unconstrained(engine: Engine, name: str) -> Table:
    """Drop ``name`` and create it again with the same columns but no keys, as another tool might."""
    bare = Table(name, MetaData(), *(Column(c.name, c.type) for c in metadata.tables[name].columns))
    with engine.begin() as connection:
        metadata.tables[name].drop(connection)
        bare.create(connection)
    return bare


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine
