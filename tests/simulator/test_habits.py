"""The simulator serves the real bodies' habits (CONTRACT.md §1.4) in its default world, at fixed
rates and deterministically: "None" strings, 2025 markers in 2026 bodies, 11-digit ids, unknown
fields, and results that blank the ratings their racecard carried."""

from __future__ import annotations

import datetime as dt

from darkhorses.parse import MISSING_TOKENS
from darkhorses.simulator.day import race_id_parts
from darkhorses.simulator.habits import LONG_IDS_FROM, race_habits
from darkhorses.simulator.population import split_horse_number
from darkhorses.simulator.world import World

DAY = dt.date(2026, 11, 18)
WORLD = World(seed=1, today=DAY + dt.timedelta(days=2))


def _days(count: int) -> list[dt.date]:
    return [DAY - dt.timedelta(days=n) for n in range(count)]


def test_habits_are_deterministic_and_at_their_rates() -> None:
    races = [race for day in _days(7) for race in WORLD.races(day)]
    habits = [race_habits(1, race.race_id) for race in races]
    assert habits == [race_habits(1, race.race_id) for race in races]
    assert len(races) > 200
    share = {name: sum(getattr(h, name) for h in habits) / len(habits) for name in habits[0]._fields}
    assert 0.2 < share["old_markers"] < 0.4 and 0.05 < share["blanked_ratings"] < 0.15
    assert 0.01 < share["extra_fields"] < 0.1


def test_a_result_blanks_ratings_its_racecard_carried() -> None:
    blanked = next(race for race in WORLD.races(DAY) if race_habits(1, race.race_id).blanked_ratings)
    card = next(c for c in WORLD.racecards(DAY) if c["race_id"] == blanked.race_id)
    result = next(r for r in WORLD.results(DAY) if r["race_id"] == blanked.race_id)
    assert any(runner["rpr"] not in MISSING_TOKENS for runner in card["runners"])
    assert {(runner["rpr"], runner["tsr"]) for runner in result["runners"]} == {("\u2013", "\u2013")}


def test_2026_bodies_mix_null_and_2025_markers_and_say_none() -> None:
    cards = WORLD.racecards(DAY, "2026")
    old = [c for c in cards if race_habits(1, c["race_id"]).old_markers]
    new = [c for c in cards if not race_habits(1, c["race_id"]).old_markers]
    assert old and new and "race_status" in old[0]
    assert not any(value is None for card in old for value in card.values())  # "" where the rest say null
    assert any(value is None for card in new for value in card.values())
    percents = {runner["trainer_14_days"]["percent"] for card in cards for runner in card["runners"]}
    assert "None" in percents


def test_ids_grow_to_eleven_digits_late_in_2026() -> None:
    assert all(len(race.race_id) == len("rac_") + 11 for race in WORLD.races(DAY))
    before = WORLD.races(LONG_IDS_FROM - dt.timedelta(days=1))
    assert before and all(len(race.race_id) == len("rac_") + 8 for race in before)
    assert race_id_parts(WORLD.races(DAY)[0].race_id) == (DAY, WORLD.races(DAY)[0].seq)
    summer = dt.date(2026, 8, 1)  # two-year-olds (foaled 2024: 11-digit ids) run in summer
    horses = {runner["horse_id"] for card in WORLD.racecards(summer) for runner in card["runners"]}
    long_ids = {h for h in horses if len(h) == len("hrs_") + 11}
    assert long_ids and all(split_horse_number(int(h[4:])) for h in long_ids)
    assert all(WORLD.horse(h) is not None for h in list(long_ids)[:5])


def test_some_results_carry_fields_outside_the_schema() -> None:
    results = [r for day in _days(7) for r in WORLD.results(day)]
    extra = [r for r in results if "_id" in r]
    assert extra and all({"actual_off", "ran"} <= set(r) for r in extra)
    assert all("grandsire_id" in runner for r in extra for runner in r["runners"])
    assert len(extra) < len(results) / 5
