"""Recorded real bodies and simulator bodies parse through the same client models.

If the simulator drifted from the real API (a renamed key, a number where the API sends text),
the client's models would accept one and not the other; parsing both here keeps them together.
Parsed values are checked against the raw bodies, and the simulator may send no field the models
do not know, except the two fields the 2026 API added.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest

from darkhorses.racing_api import models as m
from darkhorses.racing_api.models import parse_body, unknown_fields

from .conftest import FIXTURES, asgi_client

DAY = dt.date(2025, 10, 13)
ONE_DAY = {"start_date": DAY.isoformat(), "end_date": DAY.isoformat()}

RECORDED: list[tuple[str, Any]] = [
    ("courses.json", m.CoursesPage), ("courses_ire.json", m.CoursesPage), ("courses_all_regions.json", m.CoursesPage),
    ("regions.json", list[m.Region]), ("racecards_pro.json", m.RacecardsPage),
    ("racecard_pro_single_race.json", m.Racecard), ("results.json", m.ResultsPage),
    ("horse_pro.json", list[m.HorsePro]), ("horse_standard.json", m.HorseStandard),
    ("search_horses.json", m.HorseSearchResults), ("search_jockeys.json", m.SearchResults),
    ("search_trainers.json", m.SearchResults), ("search_owners.json", m.SearchResults),
    ("horse_analysis_distance_times.json", m.HorseDistanceTimes),
    *[(f"{entity}_results.json", m.ResultsPage) for entity in ("horse", "jockey", "trainer", "owner", "dam", "damsire")],
    *[(name, m.Analysis) for name in ("jockey_analysis_courses.json", "trainer_analysis_horse_age.json",
                                      "owner_analysis_trainers.json")],
]
#: Fields of the 2026 API that the 2025-era models need not declare.
NEW_IN_2026 = {"racecards[].race_status", "race_status", "results[].runners[].bsp", "runners[].bsp"}


ITEM_LISTS = ("racecards", "results", "courses", "search_results")


def ids_of(body: Any) -> list[Any]:
    """The ids a body carries: its own, or those of its item list (pages, searches, arrays)."""
    if isinstance(body, list):
        return [item.get("id", item.get("region_code")) for item in body]
    if "id" in body or "race_id" in body:
        return [body.get("id", body.get("race_id"))]
    key = next(key for key in ITEM_LISTS if key in body)
    return [item.get("race_id", item.get("id")) for item in body[key]]


def parsed_ids(value: Any, body: Any) -> list[Any]:
    if isinstance(value, list):
        return [getattr(item, "id", None) or item.region_code for item in value]
    if "id" in body or "race_id" in body:
        return [getattr(value, "id", None) or value.race_id]
    key = next(key for key in ITEM_LISTS if key in body)
    return [getattr(item, "race_id", None) or item.id for item in getattr(value, key)]


def check(shape: Any, body: Any, allowed: set[str]) -> Any:
    value = parse_body(shape, json.dumps(body), path="test")
    assert parsed_ids(value, body) == ids_of(body)
    assert set(unknown_fields(value)) <= allowed
    return value


@pytest.mark.parametrize(("name", "shape"), RECORDED)
def test_recorded_bodies_parse(name: str, shape: Any) -> None:
    body = json.loads((FIXTURES / name).read_text("utf-8"))
    for item in body if shape == list[m.HorsePro] else [body]:
        check(m.HorsePro if shape == list[m.HorsePro] else shape, item, set())


async def simulator_bodies(app: Any) -> list[tuple[str, Any, Any]]:
    """(url, model, body) for one call of every route the simulator serves."""
    world = app.state.world
    race = next(r for r in world.results(DAY) if r["region"] in ("GB", "IRE"))
    runner = race["runners"][0]
    calls: list[tuple[str, dict[str, Any], Any]] = [
        ("/v1/courses", {}, m.CoursesPage), ("/v1/courses/regions", {}, list[m.Region]),
        ("/v1/racecards/pro", {"date": DAY.isoformat()}, m.RacecardsPage),
        (f"/v1/racecards/{race['race_id']}/pro", {}, m.Racecard),
        ("/v1/results", ONE_DAY, m.ResultsPage), ("/v1/results/today", {}, m.ResultsPage),
        (f"/v1/results/{race['race_id']}", {}, m.Result),
        (f"/v1/horses/{runner['horse_id']}/standard", {}, m.HorseStandard),
        (f"/v1/horses/{runner['horse_id']}/analysis/distance-times", ONE_DAY, m.HorseDistanceTimes),
        ("/v1/horses/search", {"name": runner["horse"].split()[0]}, m.HorseSearchResults),
        (f"/v1/odds/{race['race_id']}/{runner['horse_id']}", {}, m.RunnerOdds),
    ]
    pro = next(r["horse_id"] for r in race["runners"] if world.horse_pro(r["horse_id"]))
    calls.append((f"/v1/horses/{pro}/pro", {}, m.HorsePro))
    for plural, tables in (("horses", ()), ("jockeys", ("courses", "distances", "owners", "trainers")),
                           ("trainers", ("courses", "distances", "jockeys", "owners", "horse-age")),
                           ("owners", ("courses", "distances", "jockeys", "trainers")),
                           ("sires", ("classes", "distances")), ("dams", ("classes", "distances")),
                           ("damsires", ("classes", "distances"))):
        entity_id = runner[f"{plural[:-1]}_id"]
        calls.append((f"/v1/{plural}/{entity_id}/results", ONE_DAY, m.ResultsPage))
        calls += [(f"/v1/{plural}/{entity_id}/analysis/{t}", ONE_DAY, m.Analysis) for t in tables]
        if plural != "horses":
            calls.append((f"/v1/{plural}/search", {"name": runner[plural[:-1]][:4]}, m.SearchResults))
    out = []
    async with asgi_client(app) as client:
        for url, params, shape in calls:
            response = await client.get(url, params=params)
            assert response.status_code == 200, url
            out.append((url, shape, response.json()))
    return out


@pytest.mark.parametrize("dialect", ["2025", "2026"])
def test_simulator_bodies_parse(dialect: str, app_2025: Any, app_2026: Any) -> None:
    app = app_2025 if dialect == "2025" else app_2026
    allowed = NEW_IN_2026 if dialect == "2026" else set()
    bodies = asyncio.run(simulator_bodies(app))
    assert len(bodies) == len({url for url, _, _ in bodies}) >= 40
    for url, shape, body in bodies:
        value = check(shape, body, allowed)
        if shape is m.Analysis:
            table = next(key for key in ("courses", "distances", "jockeys", "trainers", "owners", "horse_ages",
                                         "classes") if key in body)
            rows = getattr(value, table)
            assert [(r.first, r.ae, r.win_pct, r.one_pl) for r in rows] == [
                (row["1st"], row["a/e"], row["win_%"], row["1_pl"]) for row in body[table]], url
        if shape is m.RunnerOdds:
            assert [o.bookmaker for o in value.odds] == [o["bookmaker"] for o in body["odds"]]
            assert value.odds[0].history and value.odds[0].history[-1].fractional == body["odds"][0]["fractional"]
        if shape is m.ResultsPage:
            assert value.total == body["total"] and value.limit == body["limit"]
