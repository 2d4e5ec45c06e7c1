"""Each data-quality check finds exactly what it is about, on both engines, and nothing on clean data."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import update
from sqlalchemy.engine import Engine

from darkhorses.db.schema import ra_collection_metadata, ra_mst_jockeys, ra_mst_races, ra_mst_regions, ra_mst_runners
from darkhorses.ops.quality import CHECKS, EMPTY_JUDGED_FROM_ROWS, expected_fills, run_checks

from .conftest import CARD, RESULTED, TODAY, _race, add_rows, recreate_unconstrained


def _found(engine: Engine) -> dict[str, tuple[int, tuple[str, ...]]]:
    return {check.name: (check.count, check.examples) for check in run_checks(engine, TODAY)}


def test_clean_data_passes_every_check(seeded: Engine) -> None:
    assert _found(seeded) == {name: (0, ()) for name in CHECKS}


def test_runners_against_the_declared_field_size(seeded: Engine) -> None:
    with seeded.begin() as connection:
        connection.execute(update(ra_mst_races).where(ra_mst_races.c.id == CARD).values(field_size=3))
        connection.execute(update(ra_mst_races).where(ra_mst_races.c.id == RESULTED).values(field_size=3,
                                                                                            is_abandoned=True))
    add_rows(seeded, ra_mst_races, [_race("rac_empty", TODAY, 4), _race("rac_30_days", TODAY - dt.timedelta(days=30), 1),
                                    _race("rac_31_days", TODAY - dt.timedelta(days=31), 1)])
    assert _found(seeded)["field_size"] == (3, ("rac_30_days", "rac_empty", CARD))  # older races are not read


def test_races_older_than_two_days_without_results(seeded: Engine) -> None:
    add_rows(seeded, ra_mst_races, [
        _race("rac_3_days", TODAY - dt.timedelta(days=3), None),
        _race("rac_2_days", TODAY - dt.timedelta(days=2), None),
        _race("rac_abandoned", TODAY - dt.timedelta(days=9), None, is_abandoned=True),
        _race("rac_before_window", TODAY - dt.timedelta(days=366), None),
        _race("rac_364_days", TODAY - dt.timedelta(days=364), None, has_result=False),
    ])
    assert _found(seeded)["missing_results"] == (2, ("rac_364_days", "rac_3_days"))


def test_orphan_foreign_keys(seeded: Engine) -> None:
    pedigree = recreate_unconstrained(seeded, "ra_horse_pedigree")
    add_rows(seeded, pedigree, [{"horse_id": "hrs_1"}, {"horse_id": "hrs_gone"}, {"horse_id": "hrs_lost"}])
    assert _found(seeded)["orphan_keys"] == (2, ("ra_horse_pedigree.horse_id 2",))


def test_duplicate_natural_keys(seeded: Engine) -> None:
    regions = recreate_unconstrained(seeded, "ra_mst_regions")
    add_rows(seeded, regions, [{"code": "gb"}, {"code": "gb"}, {"code": "ire"}, {"code": "fr"}, {"code": "fr"}])
    assert _found(seeded)["duplicate_keys"] == (2, ("ra_mst_regions(code) 2",))


def test_fill_below_the_schema_expectation(seeded: Engine) -> None:
    assert expected_fills()[ra_mst_runners] == {
        "jockey_id": 0.9, "trainer_id": 0.99,
        **dict.fromkeys(("claiming_price_min", "claiming_price_max", "medication", "equipment",
                         "morning_line_odds"), 0.0),
    }
    with seeded.begin() as connection:
        connection.execute(update(ra_mst_runners).where(ra_mst_runners.c.horse_id == "hrs_3").values(trainer_id=None,
                                                                                                     jockey_id=None))
    assert _found(seeded)["fill"] == (2, ("ra_mst_runners.jockey_id 80.0% < 90%",
                                          "ra_mst_runners.trainer_id 80.0% < 99%"))


def test_a_column_with_no_value_must_say_why(seeded: Engine) -> None:
    """In a table big enough to judge, an empty column fails unless the schema gives a reason."""
    add_rows(seeded, ra_mst_regions, [{"code": f"x{n}"} for n in range(EMPTY_JUDGED_FROM_ROWS)])
    add_rows(seeded, ra_collection_metadata, [  # no error_message or records_skipped: both say why
        {"id": uuid.uuid4(), "table_name": "ra_mst_races", "operation": "fetch daily", "records_processed": 1,
         "records_inserted": 1, "records_updated": 0, "status": "success", "metadata": {"run_id": n}}
        for n in range(EMPTY_JUDGED_FROM_ROWS)])
    assert ra_collection_metadata.c.error_message.info["empty_because"] == "filled only when a run fails"
    # statistics not yet computed are populate --status's business, not a lost field
    add_rows(seeded, ra_mst_jockeys, [{"id": f"jky_x{n}", "name": f"J {n}"} for n in range(EMPTY_JUDGED_FROM_ROWS)])
    assert _found(seeded)["fill"] == (1, ("ra_mst_regions.name empty",))


def test_empty_database_passes(engine: Engine) -> None:
    assert all(check.ok for check in run_checks(engine, TODAY))
