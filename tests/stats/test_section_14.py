"""STATISTICS.md §14, the hand-worked example, reproduced exactly on both engines."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.engine import Engine

from darkhorses.db.schema import ra_mst_jockeys, ra_mst_runners, ra_mst_sires, ra_runner_statistics
from darkhorses.stats.populate import populate

from .conftest import BATCH_TS, D, Racing


def _row(engine: Engine, table, *where) -> dict:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return dict(connection.execute(select(table).where(*where)).mappings().one())


def test_jockey_j(section_14: Racing) -> None:
    populate(section_14.engine, tables=["ra_mst_jockeys"], as_of=D, now=BATCH_TS)
    j = _row(section_14.engine, ra_mst_jockeys, ra_mst_jockeys.c.id == "j")
    assert {k: j[k] for k in j if k not in {"id", "name", "created_at", "updated_at"}} == {
        "total_rides": 4, "total_wins": 2, "total_seconds": 0, "total_thirds": 2, "total_places": 4,
        "win_rate": 50.00, "place_rate": 100.00, "ew_places": 3, "ew_place_rate": 75.00,
        "last_ride_date": dt.date(2025, 2, 5), "last_win_date": dt.date(2025, 2, 5),
        "days_since_last_ride": 5, "days_since_last_win": 5,
        "recent_14d_rides": 2, "recent_14d_wins": 1, "recent_14d_win_rate": 50.00,
        "recent_30d_rides": 3, "recent_30d_wins": 1, "recent_30d_win_rate": 33.33,
        "ae_index": 3.233, "profit_loss_1u": 4.50, "sp_coverage": 1.0,
        "stats_updated_at": BATCH_TS,
    }


def test_sire_s(section_14: Racing) -> None:
    populate(section_14.engine, tables=["ra_mst_sires"], as_of=D, now=BATCH_TS)
    s = _row(section_14.engine, ra_mst_sires, ra_mst_sires.c.id == "sir_s")
    expected = {
        "total_runners": 5, "total_wins": 2, "total_places_2nd": 0, "total_places_3rd": 2,
        "overall_win_percent": 40.00, "progeny_runners": 2, "progeny_winners": 1, "overall_ae_index": 3.002,
        "class_1_name": "Class 4", "class_1_runners": 2, "class_1_wins": 1, "class_1_win_percent": 50.00,
        "class_1_ae": 2.400,
        "class_2_name": "Class 2", "class_2_runners": 1, "class_2_wins": 0, "class_2_win_percent": 0.00,
        "class_2_ae": 0.000,
        "class_3_name": None, "class_3_runners": None, "class_3_wins": None, "class_3_win_percent": None,
        "class_3_ae": None,
        "best_class": "4", "best_class_ae": 2.400,
        "distance_1_name": "8f", "distance_1_runners": 4, "distance_1_wins": 2, "distance_1_win_percent": 50.00,
        "distance_1_ae": 4.003,
        "distance_2_name": "10f", "distance_2_runners": 1, "distance_2_wins": 0, "distance_2_win_percent": 0.00,
        "distance_2_ae": 0.000,
        "distance_3_name": None,
        "best_distance": "8f", "best_distance_ae": 4.003,
        "data_quality_score": 0.80,
        "analysis_last_updated": BATCH_TS, "data_as_of": D,
    }
    assert {k: s[k] for k in expected} == expected


def test_runner_h1_in_r4_sees_only_r1_and_r2(section_14: Racing) -> None:
    populate(section_14.engine, tables=["ra_runner_statistics"], as_of=D, now=BATCH_TS)
    with section_14.engine.connect() as connection:
        runner_id = connection.execute(
            select(ra_mst_runners.c.id).where(ra_mst_runners.c.race_id == "r4", ra_mst_runners.c.horse_id == "h1")
        ).scalar_one()
    row = _row(section_14.engine, ra_runner_statistics, ra_runner_statistics.c.runner_id == runner_id)
    expected = {
        "career_runs": 2, "career_wins": 1, "career_win_percent": 50.00, "career_place_percent": 100.00,
        "course_runs": 0, "course_wins": 0, "course_2nds": 0, "course_3rds": 0,
        "distance_runs": 1, "distance_wins": 1, "jockey_runs": 2, "jockey_wins": 1,
        "last_10_runs": 2, "last_raced": dt.date(2025, 1, 20), "last_won": dt.date(2025, 1, 10),
        "min_winning_distance_yards": 1760, "max_winning_distance_yards": 1760,
        "jumps_runs": 0, "jumps_wins": 0, "aw_runs": 0, "aw_wins": 0,
    }
    assert {k: row[k] for k in expected} == expected
