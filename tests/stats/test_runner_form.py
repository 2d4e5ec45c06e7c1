"""``ra_runner_statistics`` is the horse's form going into each race: no leakage of the result."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.engine import Engine

from darkhorses.db.schema import ra_mst_runners, ra_runner_statistics
from darkhorses.stats.populate import populate

from .conftest import BATCH_TS, Racing

AS_OF = dt.date(2025, 6, 1)
START = dt.date(2024, 1, 1)


def _form(engine: Engine) -> dict[str, dict]:
    """Runner statistics keyed by race id (one horse per test)."""
    populate(engine, tables=["ra_runner_statistics"], as_of=AS_OF, now=BATCH_TS)
    query = (select(ra_mst_runners.c.race_id, ra_runner_statistics)
             .join(ra_runner_statistics, ra_runner_statistics.c.runner_id == ra_mst_runners.c.id)
             .where(ra_mst_runners.c.horse_id == "h"))
    with engine.connect() as connection:
        return {row["race_id"]: dict(row) for row in connection.execute(query).mappings()}


def _twelve_runs_with_a_non_runner_and_a_declaration(racing: Racing) -> None:
    for i in range(12):
        race = f"r{i:02d}"
        racing.race(race, START + dt.timedelta(days=7 * i), course="C1" if i % 2 else "C2")
        racing.run(race, "h", "1" if i in (0, 5, 11) else "4", jockey="j", sp=5.0)
        racing.fill(race, ["2", "3"])
        if i == 6:
            racing.race("nr", START + dt.timedelta(days=7 * i + 3))
            racing.run("nr", "h", None, jockey="j", non_runner=True)
            racing.fill("nr", ["1", "2"])
    racing.race("next", AS_OF + dt.timedelta(days=2), result=False)
    racing.run("next", "h", None, jockey="j")
    racing.save()


def test_a_runner_never_sees_its_own_result_or_later_races(racing: Racing) -> None:
    _twelve_runs_with_a_non_runner_and_a_declaration(racing)
    form = _form(racing.engine)
    assert (form["r05"]["career_runs"], form["r05"]["career_wins"]) == (5, 1)  # its own win is not counted
    assert (form["r11"]["career_runs"], form["r11"]["career_wins"]) == (11, 2)
    assert form["r11"]["last_won"] == START + dt.timedelta(days=35)


def test_debutant_row_is_all_zero_with_null_rates(racing: Racing) -> None:
    _twelve_runs_with_a_non_runner_and_a_declaration(racing)
    debut = _form(racing.engine)["r00"]
    assert (debut["career_runs"], debut["course_runs"], debut["last_10_runs"], debut["last_12m_runs"]) == (0, 0, 0, 0)
    assert (debut["career_win_percent"], debut["last_raced"], debut["career_prize"]) == (None, None, 0)


def test_last_ten_counts_runs_not_declarations(racing: Racing) -> None:
    _twelve_runs_with_a_non_runner_and_a_declaration(racing)
    form = _form(racing.engine)
    assert (form["r11"]["last_10_runs"], form["r11"]["last_10_wins"]) == (10, 1)  # runs 1-10
    assert (form["next"]["career_runs"], form["next"]["career_wins"]) == (12, 3)
    assert (form["next"]["last_10_runs"], form["next"]["last_10_wins"]) == (10, 2)  # runs 2-11
    assert (form["nr"]["career_runs"], form["nr"]["last_10_runs"], form["nr"]["jockey_runs"]) == (7, 7, 7)
    assert (form["r11"]["course_runs"], form["r11"]["course_wins"]) == (5, 1)  # odd runs at C1, won r05


def test_last_twelve_months_and_same_day_order(racing: Racing) -> None:
    target = dt.date(2025, 2, 10)
    for race, day, hour in (("old", dt.date(2024, 2, 11), 14), ("kept", dt.date(2024, 2, 12), 14),
                            ("early", target, 13), ("late", target, 16)):
        racing.race(race, day, hour=hour)
        racing.run(race, "h", "1", jockey="j", sp=3.0)
        racing.fill(race, ["2"])
    racing.save()
    form = _form(racing.engine)
    assert (form["early"]["last_12m_runs"], form["early"]["career_runs"]) == (1, 2)  # 2024-02-11 is 365 days back
    assert (form["late"]["last_12m_runs"], form["late"]["last_12m_wins"], form["late"]["career_runs"]) == (2, 2, 3)
