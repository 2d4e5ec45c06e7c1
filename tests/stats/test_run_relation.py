"""Which runner rows are runs, and the per-run facts every statistic builds on (STATISTICS.md §1)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from darkhorses.db.schema import ra_mst_jockeys
from darkhorses.stats.context import Context
from darkhorses.stats.populate import populate
from darkhorses.stats.run import RUN_TABLE, materialise_run

from .conftest import BATCH_TS, D, Racing


def _runs(engine: Engine, as_of: dt.date = D) -> dict[tuple[str, str], dict]:
    """The run relation keyed by (race, horse)."""
    with engine.connect() as connection, connection.begin():
        materialise_run(connection, Context(as_of, BATCH_TS))
        rows = connection.exec_driver_sql(f"SELECT * FROM {RUN_TABLE}").mappings().all()
        connection.exec_driver_sql(f"DROP TABLE {RUN_TABLE}")
    return {(r["race_id"], r["horse_id"]): dict(r) for r in rows}


def _jockey(engine: Engine, jockey: str) -> dict:
    with engine.connect() as connection:
        return dict(connection.execute(select(ra_mst_jockeys).where(ra_mst_jockeys.c.id == jockey)).mappings().one())


def test_only_starters_in_resulted_races_up_to_d_are_runs(section_14: Racing) -> None:
    runs = _runs(section_14.engine)
    assert ("r1", "h2") not in runs  # non-runner
    assert not any(race == "r5" for race, _ in runs)  # future declaration, no result
    assert runs[("r4", "h3")]["outcome"] == "DNF" and runs[("r4", "h3")]["finish_pos"] is None
    assert {race: sum(1 for (r, _) in runs if r == race) for race in ("r1", "r2", "r3", "r4")} == {
        "r1": 8, "r2": 14, "r3": 6, "r4": 16}
    assert runs[("r1", "h1")]["starters"] == 8  # the NR is not a starter


def test_dead_heat_is_a_win_for_both_and_settles_at_half_stake(section_14: Racing) -> None:
    runs = _runs(section_14.engine)
    winners = [key for key, run in runs.items() if key[0] == "r4" and run["is_win"] == 1]
    assert len(winners) == 2
    h1 = runs[("r4", "h1")]
    assert (h1["dh_n"], h1["outcome"], h1["ew_places"], h1["is_ew_placed"]) == (2, "WON", 4, 1)
    assert h1["pl_units"] == 900 * 2520 // 2 - 100 * 2520  # SP 9.0 / 2 - 1 = +3.5 units


def test_each_way_places_follow_starters_and_handicaps(racing: Racing) -> None:
    racing.race("four", dt.date(2025, 2, 1))
    racing.run("four", "a", "2", jockey="ja", sp=3.0)
    racing.fill("four", ["1", "3", "4"])
    racing.race("hcap16", dt.date(2025, 2, 2), handicap=True)
    racing.run("hcap16", "b", "4", jockey="jb", sp=3.0)
    racing.fill("hcap16", ["1", "2", "3", *(str(p) for p in range(5, 17))])
    racing.race("stakes16", dt.date(2025, 2, 3))
    racing.run("stakes16", "c", "4", jockey="jc", sp=3.0)
    racing.fill("stakes16", ["1", "2", "3", *(str(p) for p in range(5, 17))])
    racing.race("hcap12", dt.date(2025, 2, 4), handicap=True)
    racing.run("hcap12", "d", "3", jockey="jd", sp=3.0)
    racing.fill("hcap12", ["1", "2", *(str(p) for p in range(4, 13))])
    racing.save()
    runs = _runs(racing.engine)
    placed = {race: (runs[(race, h)]["ew_places"], runs[(race, h)]["is_ew_placed"])
              for race, h in (("four", "a"), ("hcap16", "b"), ("stakes16", "c"), ("hcap12", "d"))}
    assert placed == {"four": (1, 0), "hcap16": (4, 1), "stakes16": (3, 0), "hcap12": (3, 1)}


def test_void_races_and_disqualifications(racing: Racing) -> None:
    racing.race("void", dt.date(2025, 2, 1), abandoned=True)
    racing.run("void", "a", "1", jockey="j", sp=2.0)
    racing.race("dsq", dt.date(2025, 2, 2))
    racing.run("dsq", "a", "DSQ", jockey="j", sp=2.0)
    racing.fill("dsq", ["1", "2"])
    racing.save()
    populate(racing.engine, tables=["ra_mst_jockeys"], as_of=D, now=BATCH_TS)
    j = _jockey(racing.engine, "j")
    assert (j["total_rides"], j["total_wins"], j["total_places"], j["win_rate"]) == (1, 0, 0, 0.0)
    assert j["profit_loss_1u"] == -1.0


def test_windows_exclude_the_day_exactly_14_and_30_days_back(racing: Racing) -> None:
    for day in (D - dt.timedelta(days=30), D - dt.timedelta(days=29), D - dt.timedelta(days=14),
                D - dt.timedelta(days=13)):
        race = f"r{day.isoformat()}"
        racing.race(race, day)
        racing.run(race, f"h{day.isoformat()}", "1", jockey="j", sp=2.0)
    racing.save()
    populate(racing.engine, tables=["ra_mst_jockeys"], as_of=D, now=BATCH_TS)
    j = _jockey(racing.engine, "j")
    assert (j["recent_14d_rides"], j["recent_30d_rides"], j["total_rides"]) == (1, 3, 4)


def test_a_run_without_sp_is_left_out_of_both_sides_of_ae(racing: Racing) -> None:
    racing.race("a", dt.date(2025, 2, 1))
    racing.run("a", "h1", "1", jockey="j", sp=None)  # a win without an SP does not count as actual
    racing.race("b", dt.date(2025, 2, 2))
    racing.run("b", "h2", "1", jockey="j", sp=5.0)
    racing.race("c", dt.date(2025, 2, 3))
    racing.run("c", "h3", "2", jockey="j", sp=5.0)
    racing.save()
    populate(racing.engine, tables=["ra_mst_jockeys"], as_of=D, now=BATCH_TS)
    j = _jockey(racing.engine, "j")
    # 1 win with an SP / (1/5 + 1/5) = 2.5; P/L over SP runs only: +4 - 1
    assert (j["ae_index"], j["profit_loss_1u"], j["sp_coverage"], j["win_rate"]) == (2.5, 3.0, 0.667, 66.67)


def test_entities_without_runs_are_reset_not_left_stale(section_14: Racing) -> None:
    engine = section_14.engine
    with engine.begin() as connection:
        connection.execute(update(ra_mst_jockeys).where(ra_mst_jockeys.c.id == "k")
                           .values(total_rides=99, win_rate=12.5, last_ride_date=dt.date(2024, 1, 1)))
    populate(engine, tables=["ra_mst_jockeys"], as_of=dt.date(2025, 1, 1), now=BATCH_TS)
    k = _jockey(engine, "k")
    assert (k["total_rides"], k["win_rate"], k["last_ride_date"], k["recent_30d_win_rate"]) == (0, None, None, None)
