"""Entity results, analysis tables, searches and odds: consistent with the world's ground truth."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from darkhorses.simulator import create_app
from darkhorses.simulator.day import Race

from .conftest import TODAY, asgi_client, fixture_body, make_config

START, END = dt.date(2025, 10, 7), dt.date(2025, 10, 13)
WINDOW = {"start_date": START.isoformat(), "end_date": END.isoformat()}


def truth(app: Any, field: str, entity_id: str) -> list[tuple[Race, list[Any]]]:
    """(race, the entity's starters) for every resulted race in WINDOW, newest first, from Race objects."""
    world = app.state.world
    out = []
    for day in reversed(list(world.dates(START, END))):
        for race in sorted(world.races(day), key=lambda r: (r.off, r.seq), reverse=True):
            if not world.is_resulted(race):
                continue
            mine = [e for e in race.runners if _ids(e)[field] == entity_id]
            if mine:
                out.append((race, mine))
    return out


def _ids(e: Any) -> dict[str, str]:
    return {"jockey": e.jockey.id, "trainer": e.trainer.id, "owner": e.owner.id,
            "sire": f"sir_{e.horse.sire}", "horse": e.horse.id}


@pytest.fixture(scope="module")
def busy(app_2026: Any) -> dict[str, str]:
    """A jockey, trainer and sire with several runs in WINDOW (the most frequent ones)."""
    from collections import Counter

    counts: dict[str, Counter[str]] = {k: Counter() for k in ("jockey", "trainer", "sire")}
    for day in app_2026.state.world.dates(START, END):
        for race in app_2026.state.world.races(day):
            for e in race.runners:
                for field in counts:
                    counts[field][_ids(e)[field]] += 1
    return {field: counter.most_common(1)[0][0] for field, counter in counts.items()}


async def test_entity_results_are_whole_races_newest_first_with_paging(
        client: httpx.AsyncClient, app_2026: Any, busy: dict[str, str]) -> None:
    for plural, field in (("jockeys", "jockey"), ("trainers", "trainer"), ("sires", "sire")):
        expected = truth(app_2026, field, busy[field])
        url = f"/v1/{plural}/{busy[field]}/results"
        first = (await client.get(url, params={**WINDOW, "limit": 3})).json()
        rest = (await client.get(url, params={**WINDOW, "limit": 100, "skip": 3})).json()
        assert first["total"] == rest["total"] == len(expected) > 3
        ids = [r["race_id"] for r in first["results"] + rest["results"]]
        assert ids == [race.race_id for race, _ in expected]
        assert first["query"] == [["start_date", "2025-10-07"], ["end_date", "2025-10-13"], ["limit", "3"],
                                  [f"{field}_id", busy[field]]]
        whole = first["results"][0]
        assert len(whole["runners"]) == len(expected[0][0].runners)  # every runner, not just the entity's
        day = app_2026.state.world.results(expected[0][0].date)
        assert whole == next(race for race in day if race["race_id"] == whole["race_id"])


async def test_entity_results_bounds_and_windows(client: httpx.AsyncClient, client_2025: httpx.AsyncClient) -> None:
    url = "/v1/jockeys/jky_300250/results"
    assert (await client.get(url, params={"limit": 101})).status_code == 422
    assert (await client.get(url, params={"skip": 20001})).status_code == 422
    assert (await client_2025.get(url, params={"limit": 51})).status_code == 422
    span = await client.get(url, params={"start_date": "2024-01-01", "end_date": "2025-06-01"})
    assert span.status_code == 422
    unknown = (await client.get("/v1/jockeys/jky_nobody/results", params=WINDOW)).json()
    assert (unknown["results"], unknown["total"]) == ([], 0)


def test_entity_windows_default_to_the_last_365_days(app_2026: Any) -> None:
    from darkhorses.simulator.endpoints import Context, result_window
    from darkhorses.simulator.contract import RESULT_FILTERS, parse_query, results_paging

    values, _ = parse_query(RESULT_FILTERS + results_paging("2026"), [], "2026")
    ctx = Context(app_2026.state.world, app_2026.state.config, dt.datetime.now(), values, [], {})
    assert result_window(ctx) == (TODAY - dt.timedelta(days=365), TODAY)


async def test_horse_results_without_dates_cover_the_career(client: httpx.AsyncClient, app_2026: Any) -> None:
    world = app_2026.state.world
    horse = next(e.horse for race in world.races(END) for e in race.runners
                 if e.horse.last_age == e.horse.first_age and race.date.year == e.horse.year + e.horse.first_age)
    body = (await client.get(f"/v1/horses/{horse.id}/results")).json()
    assert body["query"] == [["horse_id", horse.id]]
    assert body["total"] == len(body["results"]) >= 1
    days = [dt.date.fromisoformat(r["date"]) for r in body["results"]]
    assert days == sorted(days, reverse=True) and END in days
    assert all(d.year == horse.year + horse.first_age for d in days)
    for race in body["results"]:
        assert horse.id in {r["horse_id"] for r in race["runners"]}


async def test_analysis_counts_and_ratios_match_the_starters(
        client: httpx.AsyncClient, app_2026: Any, busy: dict[str, str]) -> None:
    jockey = busy["jockey"]
    rides = [(race, e) for race, mine in truth(app_2026, "jockey", jockey) for e in mine]
    body = (await client.get(f"/v1/jockeys/{jockey}/analysis/courses", params=WINDOW)).json()
    assert body["id"] == jockey and body["total_rides"] == len(rides)
    assert body["query"] == [["start_date", "2025-10-07"], ["end_date", "2025-10-13"], ["jockey_id", jockey]]
    for row in body["courses"]:
        mine = [e for race, e in rides if race.course.id == row["course_id"]]
        wins = [e for e in mine if e.position == "1"]
        assert row["rides"] == len(mine)
        assert [row[p] for p in ("1st", "2nd", "3rd", "4th")] == [
            sum(e.position == str(n) for e in mine) for n in range(1, 5)]
        assert row["a/e"] == round(len(wins) / sum(1 / e.sp_decimal for e in mine), 2)
        assert row["win_%"] == round(len(wins) / len(mine), 2) <= 1
        assert row["1_pl"] == round(sum(e.sp_decimal - 1 for e in wins) - (len(mine) - len(wins)), 2)
    assert sum(row["rides"] for row in body["courses"]) == len(rides)
    counts = [row["rides"] for row in body["courses"]]
    assert counts == sorted(counts, reverse=True)


async def test_other_analysis_tables_partition_the_runners(
        client: httpx.AsyncClient, busy: dict[str, str]) -> None:
    trainer, sire = busy["trainer"], busy["sire"]
    total = None
    for table, key in (("horse-age", "horse_ages"), ("jockeys", "jockeys"), ("distances", "distances")):
        body = (await client.get(f"/v1/trainers/{trainer}/analysis/{table}", params=WINDOW)).json()
        assert sum(row["runners"] for row in body[key]) == body["total_runners"]
        total = total or body["total_runners"]
        assert body["total_runners"] == total
    classes = (await client.get(f"/v1/sires/{sire}/analysis/classes", params=WINDOW)).json()
    assert classes["sire"].endswith(")") and classes["total_runners"] > 0
    assert all(row["class"] in {"", *(f"Class {n}" for n in range(1, 8))} for row in classes["classes"])


async def test_distance_times_list_each_run(client: httpx.AsyncClient, app_2026: Any) -> None:
    race = next(r for r in app_2026.state.world.races(END) if r.runners and r.course.domestic)
    winner = race.runners[0]
    body = (await client.get(f"/v1/horses/{winner.horse.id}/analysis/distance-times",
                             params={"start_date": END.isoformat(), "end_date": END.isoformat()})).json()
    assert body["total_runs"] == 1 and body["horse"] == winner.horse.display_name
    (row,) = body["distances"]
    assert row["times"] == [{"date": END.isoformat(), "region": race.region, "course": race.course.name,
                             "time": row["times"][0]["time"], "going": race.going, "position": "1"}]
    assert (row["runs"], row["1st"], row["1_pl"]) == (1, 1, round(winner.sp_decimal - 1, 2))


async def test_searches(client: httpx.AsyncClient, client_2025: httpx.AsyncClient, busy: dict[str, str],
                        app_2026: Any) -> None:
    jockey = app_2026.state.world.population.jockey(int(busy["jockey"][4:]))
    surname = jockey.name.split()[-1]
    hits = (await client.get("/v1/jockeys/search", params={"name": surname.lower()})).json()["search_results"]
    assert {"id": jockey.id, "name": jockey.name} in hits
    assert all(surname.lower() in hit["name"].lower() for hit in hits)
    horses = (await client.get("/v1/horses/search", params={"name": "Velvet Wind"})).json()["search_results"]
    assert horses and all("velvet wind" in h["name"].lower() for h in horses)
    assert set(horses[0]) == set(fixture_body("search_horses.json")["search_results"][0])
    sires = (await client.get("/v1/sires/search", params={"name": "velvet"})).json()["search_results"]
    assert sires and all(s["id"].startswith("sir_") for s in sires)
    missing = await client_2025.get("/v1/jockeys/search", params={"limit": 10})
    assert missing.status_code == 422
    assert missing.json() == fixture_body("error_422_missing_required_query_param.json")


async def test_odds_match_the_racecard_and_have_history_from_2025_03_17(
        client: httpx.AsyncClient, app_2026: Any) -> None:
    world = app_2026.state.world
    for day, with_history in ((END, True), (dt.date(2025, 3, 16), False)):
        card = next(c for c in world.racecards(day) if c["region"] in ("GB", "IRE"))
        runner = card["runners"][0]
        body = (await client.get(f"/v1/odds/{card['race_id']}/{runner['horse_id']}")).json()
        assert (body["race_id"], body["horse_id"], body["horse"]) == (card["race_id"], runner["horse_id"],
                                                                     runner["horse"])
        assert [{**o, "history": []} for o in body["odds"]] == runner["odds"]
        priced = [o for o in body["odds"] if o["history"]]
        assert bool(priced) is with_history
        for offer in priced:
            assert offer["history"][-1]["fractional"] == offer["fractional"]
            stamps = [point["changed_at"] for point in offer["history"]]
            assert stamps == sorted(stamps)
    foreign = next(c for c in world.racecards(END) if c["region"] not in ("GB", "IRE"))
    assert (await client.get(f"/v1/odds/{foreign['race_id']}/{foreign['runners'][0]['horse_id']}")).status_code == 404
    assert (await client.get(f"/v1/odds/{card['race_id']}/hrs_1")).status_code == 404


async def test_plans() -> None:
    one_day = {"start_date": END.isoformat(), "end_date": END.isoformat()}
    standard = create_app(make_config(plan="standard"))
    async with asgi_client(standard) as c:
        assert (await c.get("/v1/jockeys/jky_300250/results", params=one_day)).status_code == 401
        assert (await c.get("/v1/jockeys/jky_300250/analysis/courses", params=one_day)).status_code == 200
        assert (await c.get("/v1/odds/rac_1/hrs_1")).status_code == 401
        assert (await c.get("/v1/owners/search", params={"name": "x"})).status_code == 200
    for dialect, status in (("2026", 200), ("2025", 401)):
        basic = create_app(make_config(plan="basic", dialect=dialect))
        async with asgi_client(basic) as c:
            r = await c.get("/v1/horses/hrs_15504105/analysis/distance-times", params=one_day)
            assert r.status_code == status, dialect
            assert (await c.get("/v1/horses/search", params={"name": "x"})).status_code == 401
