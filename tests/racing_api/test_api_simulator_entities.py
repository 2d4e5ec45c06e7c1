"""The entity, analysis, search, odds and distance-time methods against the simulator.

The simulator computes these bodies from its world, so each method's answer is checked against
the same world's races: the client must send the parameters the server understands and read
back every item.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from darkhorses.racing_api import VirtualClock

from .test_api_simulator import TODAY, client_for, simulator

WEEK = {"start_date": TODAY - dt.timedelta(days=6), "end_date": TODAY}


@pytest.fixture(scope="module")
def app() -> Any:
    return simulator()


def _week_results(app: Any) -> list[dict[str, Any]]:
    world = app.state.world
    return [race for n in range(7) for race in world.results(TODAY - dt.timedelta(days=n))]


def _a_runner(app: Any) -> dict[str, Any]:
    return next(r for race in app.state.world.results(TODAY) if race["region"] == "GB" for r in race["runners"])


async def test_entity_results_are_the_races_the_entity_ran_in(app: Any) -> None:
    api = client_for(app, VirtualClock())
    runner = _a_runner(app)
    for kind, key in (("jockeys", "jockey_id"), ("trainers", "trainer_id"), ("owners", "owner_id"),
                      ("sires", "sire_id"), ("dams", "dam_id"), ("damsires", "damsire_id")):
        entity = runner[key]
        expected = {race["race_id"] for race in _week_results(app) if any(r[key] == entity for r in race["runners"])}
        races = await api.entity_results(kind, entity, **WEEK)
        assert {race.race_id for race in races} == expected, kind
        assert len(races) == len(expected)


async def test_horse_results_include_todays_race(app: Any) -> None:
    api = client_for(app, VirtualClock())
    runner = _a_runner(app)
    races = await api.horse_results(runner["horse_id"])
    today = next(race["race_id"] for race in app.state.world.results(TODAY)
                 if any(r["horse_id"] == runner["horse_id"] for r in race["runners"]))
    assert today in {race.race_id for race in races}


async def test_analysis_counts_add_up(app: Any) -> None:
    api = client_for(app, VirtualClock())
    jockey = _a_runner(app)["jockey_id"]
    body = await api.analysis("jockeys", jockey, "courses", **WEEK)
    assert body.id == jockey and body.courses
    assert sum(row.rides or 0 for row in body.courses) == body.total_rides
    assert all(0 <= (row.win_pct or 0) <= 1 for row in body.courses)
    rides_with_sp = sum(1 for race in _week_results(app) for r in race["runners"]
                        if r["jockey_id"] == jockey and r.get("sp_dec"))
    assert body.total_rides == rides_with_sp


async def test_searches_find_the_names(app: Any) -> None:
    api = client_for(app, VirtualClock())
    runner = _a_runner(app)
    jockeys = await api.search("jockeys", runner["jockey"].split()[-1])
    assert runner["jockey_id"] in {hit.id for hit in jockeys}
    horse_name = runner["horse"].split(" (")[0]
    horses = await api.search_horses(horse_name)
    assert runner["horse_id"] in {hit.id for hit in horses}


async def test_runner_odds_match_the_racecard(app: Any) -> None:
    api = client_for(app, VirtualClock())
    card = next(c for c in app.state.world.racecards(TODAY) if c["region"] == "GB")
    runner = next(r for r in card["runners"] if r["odds"])
    odds = await api.runner_odds(card["race_id"], runner["horse_id"])
    assert (odds.race_id, odds.horse_id) == (card["race_id"], runner["horse_id"])
    assert {o.bookmaker for o in odds.odds} == {o["bookmaker"] for o in runner["odds"]}


async def test_horse_distance_times(app: Any) -> None:
    api = client_for(app, VirtualClock())
    horse = _a_runner(app)["horse_id"]
    body = await api.horse_distance_times(horse)
    assert body.id == horse
