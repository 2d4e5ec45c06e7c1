"""The world: determinism, volumes, racecard/result consistency, pedigree, signal for A/E."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from darkhorses.simulator import World
from darkhorses.simulator.contract import encode
from darkhorses.simulator.day import LONDON

from .conftest import TODAY

DAY = dt.date(2025, 10, 13)


def test_same_seed_gives_byte_identical_bodies_and_another_seed_does_not() -> None:
    first, second, other = World(5, TODAY), World(5, TODAY), World(6, TODAY)
    assert encode(first.racecards(DAY)) == encode(second.racecards(DAY))
    assert encode(first.results(DAY, "2025")) == encode(second.results(DAY, "2025"))
    assert encode(first.results(DAY)) != encode(other.results(DAY))


def test_a_date_does_not_depend_on_which_dates_were_generated_before() -> None:
    fresh, busy = World(5, TODAY), World(5, TODAY)
    for offset in range(1, 4):
        busy.results(DAY - dt.timedelta(days=offset))
    assert encode(fresh.results(DAY)) == encode(busy.results(DAY))


def test_daily_volume_and_field_sizes_are_realistic() -> None:
    world = World(2, TODAY)
    race_counts, meeting_counts, fields = [], [], Counter()
    for offset in range(0, 60, 3):
        races = [r for r in world.races(DAY - dt.timedelta(days=offset)) if r.course.domestic]
        race_counts.append(len(races))
        meeting_counts.append(len({r.course.id for r in races}))
        fields.update(len(r.entries) for r in races)
    assert 40 <= sum(race_counts) / len(race_counts) <= 60
    assert min(meeting_counts) >= 6 and max(meeting_counts) <= 10
    assert min(fields) >= 2 and max(fields) <= 30


def test_christmas_day_has_no_uk_or_irish_racing() -> None:
    assert not [r for r in World(1, TODAY).races(dt.date(2024, 12, 25)) if r.course.domestic]


def test_dates_outside_1988_to_today_plus_seven_are_empty() -> None:
    world = World(1, TODAY)
    assert world.races(dt.date(1987, 12, 31)) == ()
    assert world.races(TODAY + dt.timedelta(days=8)) == ()
    assert world.races(TODAY + dt.timedelta(days=7))


def test_results_are_the_racecard_runners_minus_non_runners() -> None:
    world = World(1, TODAY)
    cards = {c["race_id"]: c for c in world.racecards(DAY)}
    results = world.results(DAY)
    non_runners_seen = 0
    for race in results:
        card = cards[race["race_id"]]
        declared = {r["horse_id"] for r in card["runners"] if r["number"] != "NR"}
        withdrawn = [r["horse"] for r in card["runners"] if r["number"] == "NR"]
        non_runners_seen += len(withdrawn)
        assert {r["horse_id"] for r in race["runners"]} == declared
        assert card["field_size"] == str(len(declared))
        for name in withdrawn:
            assert name in race["non_runners"]
    assert non_runners_seen > 0
    abandoned = [c["race_id"] for c in cards.values() if c["is_abandoned"]]
    assert not set(abandoned) & {r["race_id"] for r in results}


def test_results_are_newest_first_and_winners_come_first() -> None:
    results = World(1, TODAY).results(DAY)
    offs = [r["off_dt"] for r in results]
    assert offs == sorted(offs, reverse=True)
    for race in results:
        assert race["runners"][0]["position"] == "1"
        assert race["runners"][0]["btn"] == "0"


def test_odds_only_for_uk_and_irish_races_with_about_25_bookmakers() -> None:
    cards = World(4, TODAY).racecards(DAY)
    for card in cards:
        for runner in card["runners"]:
            if card["region"] in ("GB", "IRE"):
                assert 20 <= len(runner["odds"]) <= 30
                exchange = [o for o in runner["odds"] if o["bookmaker"] == "Betfair Exchange"]
                assert exchange and exchange[0]["ew_places"] == "" and "/" not in exchange[0]["fractional"]
            else:
                assert runner["odds"] == []


def test_foreign_races_exist_for_region_filtering() -> None:
    world = World(1, TODAY)
    regions = Counter(r.region for offset in range(30) for r in world.races(DAY - dt.timedelta(days=offset)))
    assert {"GB", "IRE"} <= set(regions)
    assert set(regions) & {"FR", "USA", "AUS"}


def test_pedigree_ids_are_horses_of_the_world() -> None:
    world = World(1, TODAY)
    card = world.racecards(DAY)[0]
    runner = next(r for r in card["runners"] if r["sire_id"])
    sire = world.horse("hrs_" + runner["sire_id"][4:])
    dam = world.horse("hrs_" + runner["dam_id"][4:])
    assert sire is not None and sire.sex_code == "C" and sire.name == runner["sire"]
    assert dam is not None and dam.sex_code == "F" and dam.name == runner["dam"]
    assert runner["damsire_id"] == f"dsi_{dam.sire}"
    assert world.horse_standard("hrs_" + runner["sire_id"][4:])["id"] == "hrs_" + runner["sire_id"][4:]


def test_some_horses_have_no_pro_profile_but_all_have_a_standard_one() -> None:
    world = World(1, TODAY)
    ids = {r["horse_id"] for c in world.racecards(DAY) for r in c["runners"]}
    missing = [i for i in ids if world.horse_pro(i) is None]
    assert 0 < len(missing) < len(ids) * 0.15
    assert all(world.horse_standard(i) is not None for i in missing)
    assert world.horse_pro("hrs_1") is None and world.horse_standard("jky_1") is None


def test_results_appear_only_some_minutes_after_the_off() -> None:
    world = World(1, TODAY)
    race = next(r for r in world.races(TODAY) if not r.abandoned)
    at_off = race.off
    after = race.off + dt.timedelta(minutes=race.result_delay)
    ids = lambda now: {r["race_id"] for r in world.results(TODAY, now=now)}  # noqa: E731
    assert race.race_id not in ids(at_off)
    assert race.race_id in ids(after)
    assert not world.results(TODAY, now=dt.datetime(2025, 10, 20, 6, 0, tzinfo=LONDON))


def test_winners_follow_starting_prices_and_edges_beat_the_market() -> None:
    """Over many races the market's favourites win about as often as their prices say, and the
    hidden sire and jockey edges show up as A/E above the rest."""
    world = World(1, TODAY)
    expected = wins = 0.0
    edge = {"ae_wins": 0.0, "ae_exp": 0.0}
    rest = {"ae_wins": 0.0, "ae_exp": 0.0}
    start = dt.date(2025, 3, 1)
    for offset in range(0, 120, 2):
        for race in world.races(start + dt.timedelta(days=offset)):
            if race.abandoned or not race.runners:
                continue
            for e in race.runners:
                chance = 1 / (float(e.price) + 1)
                won = 1.0 if e.position == "1" else 0.0
                bucket = edge if (e.horse.edge or e.jockey.edge) else rest
                bucket["ae_wins"] += won
                bucket["ae_exp"] += chance
                if e.fav == "F":
                    expected += chance
                    wins += won
    assert 0.75 <= wins / expected <= 1.15
    assert edge["ae_wins"] / edge["ae_exp"] > 1.1 * rest["ae_wins"] / rest["ae_exp"]


def test_recorded_shapes_have_the_same_keys_as_simulated_ones() -> None:
    """Every key of the recorded 2025 bodies appears in the simulator's 2025 bodies, same order."""
    from .conftest import fixture_body

    world = World(1, TODAY)
    recorded_card = fixture_body("racecards_pro.json")["racecards"][0]
    card = world.racecards(DAY, "2025")[0]
    assert list(card) == list(recorded_card)
    assert list(card["runners"][0]) == list(recorded_card["runners"][0])
    recorded_result = fixture_body("results.json")["results"][0]
    result = world.results(DAY, "2025")[0]
    assert list(result) == list(recorded_result)
    assert list(result["runners"][0]) == list(recorded_result["runners"][0])
    assert list(world.horse_standard(card["runners"][0]["horse_id"])) == list(fixture_body("horse_standard.json"))
    profile = next(world.horse_pro(r["horse_id"]) for r in card["runners"] if world.horse_pro(r["horse_id"]))
    assert list(profile) == list(fixture_body("horse_pro.json")[0])
