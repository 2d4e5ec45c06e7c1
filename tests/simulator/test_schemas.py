"""Every 200 body validates against the vendor schema of its dialect, over dates and seeds.

The validator itself is checked on the recorded real bodies (they must pass the 2025 schema)
and on a broken body (it must fail), so a pass here means something.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from darkhorses.simulator import create_app

from .conftest import TODAY, asgi_client, fixture_body, make_config, validator_for

RECORDED = [
    ("racecards_pro.json", "/v1/racecards/pro"),
    ("racecard_pro_single_race.json", "/v1/racecards/{race_id}/pro"),
    ("results.json", "/v1/results"),
    ("horse_standard.json", "/v1/horses/{horse_id}/standard"),
    ("courses.json", "/v1/courses"),
    ("regions.json", "/v1/courses/regions"),
]


@pytest.mark.parametrize(("name", "path"), RECORDED)
def test_recorded_bodies_pass_the_2025_schemas(name: str, path: str) -> None:
    assert not list(validator_for("2025", path).iter_errors(fixture_body(name)))


def test_the_validator_rejects_a_broken_body() -> None:
    body = fixture_body("results.json")
    del body["results"][0]["runners"][0]["sp"]
    body["total"] = "36"
    errors = list(validator_for("2025", "/v1/results").iter_errors(body))
    assert {e.validator for e in errors} == {"required", "type"}


CASES = [
    (1, "2026", [dt.date(2025, 10, 13), dt.date(2023, 1, 23), TODAY + dt.timedelta(days=7)]),
    (7, "2025", [dt.date(2024, 2, 29)]),
]


@pytest.mark.parametrize(("seed", "dialect", "dates"), CASES)
async def test_every_endpoint_validates(seed: int, dialect: str, dates: list[dt.date], assert_valid: Any) -> None:
    app = create_app(make_config(seed=seed, dialect=dialect))
    async with asgi_client(app) as c:
        for path, url in (("/v1/courses", "/v1/courses"), ("/v1/courses/regions", "/v1/courses/regions")):
            r = await c.get(url)
            assert r.status_code == 200
            assert_valid(dialect, path, r.json())
        for day in dates:
            # A few cards a date, and singly the first card of each region: every code path of
            # the renderer without validating megabytes of odds.
            cards = (await c.get("/v1/racecards/pro", params={"date": day.isoformat(), "limit": 4})).json()
            assert cards["racecards"], day
            assert_valid(dialect, "/v1/racecards/pro", cards)
            by_region: dict[str, str] = {}
            for race in app.state.world.plan(day):
                by_region.setdefault(race.region, race.race_id)
            for race_id in by_region.values():
                single = (await c.get(f"/v1/racecards/{race_id}/pro")).json()
                assert_valid(dialect, "/v1/racecards/{race_id}/pro", single)
            card = cards["racecards"][0]
            horse_id = card["runners"][0]["horse_id"]
            for kind in ("pro", "standard"):
                r = await c.get(f"/v1/horses/{horse_id}/{kind}")
                if r.status_code == 200:
                    assert_valid(dialect, f"/v1/horses/{{horse_id}}/{kind}", r.json())
            if day > TODAY:
                continue
            page = (await c.get("/v1/results", params={"start_date": day.isoformat(), "end_date": day.isoformat(),
                                                       "limit": 50})).json()
            assert page["results"], day
            assert_valid(dialect, "/v1/results", page)
            one = (await c.get(f"/v1/results/{page['results'][-1]['race_id']}")).json()
            assert_valid(dialect, "/v1/results/{race_id}", one)
        today_page = (await c.get("/v1/results/today")).json()
        assert_valid(dialect, "/v1/results/today", today_page)


async def test_results_over_many_dates_validate(assert_valid: Any) -> None:
    """Results across the whole history, the dialects taking turns (one app each)."""
    apps = {dialect: create_app(make_config(seed=3, dialect=dialect)) for dialect in ("2025", "2026")}
    for n, year in enumerate(range(1988, 2026, 18)):
        dialect = ("2025", "2026")[n % 2]
        async with asgi_client(apps[dialect]) as c:
            day = dt.date(year, 1 + year % 12, 1 + year % 27).isoformat()
            page = (await c.get("/v1/results", params={"start_date": day, "end_date": day})).json()
            assert page["total"] > 0
            assert_valid(dialect, "/v1/results", page)


def test_2025_bodies_have_no_nulls_and_no_2026_fields(app_2025: Any) -> None:
    world = app_2025.state.world
    day = dt.date(2025, 10, 13)
    cards = world.racecards(day, "2025")
    results = world.results(day, "2025")

    def walk(value: Any) -> None:
        assert value is not None
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(cards)
    walk(results)
    assert all("race_status" not in card for card in cards)
    assert all("bsp" not in runner for race in results for runner in race["runners"])
    assert any(card["race_status"] is None for card in world.racecards(day, "2026"))


ENTITY_CASES = [(1, "2026", dt.date(2025, 10, 13)), (7, "2025", dt.date(2024, 2, 29)), (3, "2026", dt.date(1999, 6, 5))]


@pytest.mark.parametrize(("seed", "dialect", "day"), ENTITY_CASES)
async def test_entity_search_and_odds_endpoints_validate(seed: int, dialect: str, day: dt.date,
                                                         assert_valid: Any) -> None:
    """Every entity route (results, each analysis table, search) and odds, over a two-day window."""
    from darkhorses.simulator.routes import ANALYSIS_TABLES

    app = create_app(make_config(seed=seed, dialect=dialect))
    window = {"start_date": (day - dt.timedelta(days=1)).isoformat(), "end_date": day.isoformat()}
    race = next(r for r in app.state.world.results(day) if r["region"] in ("GB", "IRE"))
    runner = race["runners"][0]
    ids = {plural: runner[f"{plural[:-1]}_id"] for plural in ("jockeys", "trainers", "owners", "sires", "dams",
                                                               "damsires", "horses")}
    async with asgi_client(app) as c:
        for plural, entity_id in ids.items():
            singular = plural[:-1]
            tables = ANALYSIS_TABLES.get(plural, ()) if plural != "horses" else ("distance-times",)
            for path in [f"/v1/{plural}/{{{singular}_id}}/results"] + [
                    f"/v1/{plural}/{{{singular}_id}}/analysis/{t}" for t in tables]:
                r = await c.get(path.replace(f"{{{singular}_id}}", entity_id), params=window)
                assert r.status_code == 200, path
                assert_valid(dialect, path, r.json())
            results = (await c.get(f"/v1/{plural}/{entity_id}/results", params=window)).json()
            assert race["race_id"] in {r["race_id"] for r in results["results"]}
            word = runner[singular if plural != "horses" else "horse"].split()[0].split("(")[0]
            found = await c.get(f"/v1/{plural}/search", params={"name": word})
            assert found.status_code == 200 and found.json()["search_results"], (plural, word)
            assert_valid(dialect, f"/v1/{plural}/search", found.json())
        odds = (await c.get(f"/v1/odds/{race['race_id']}/{runner['horse_id']}")).json()
        assert odds["odds"]
        assert_valid(dialect, "/v1/odds/{race_id}/{horse_id}", odds)
