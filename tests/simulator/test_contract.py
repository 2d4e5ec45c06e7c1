"""The HTTP contract: envelopes, query echo, paging, filters, bounds, auth, plans, windows, 404s."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from darkhorses.simulator import create_app
from darkhorses.london import LONDON

from .conftest import TODAY, asgi_client, fixture_body, make_config

DAY = "2025-10-13"


async def test_results_envelope_echoes_the_query_as_sent(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/results?limit=5&skip=0&start_date=2025-10-07&end_date=2025-10-07"
                         "&region=gb&region=ire&bogus=1")
    body = r.json()
    assert r.status_code == 200
    assert list(body) == ["results", "total", "limit", "skip", "query"]
    assert body["query"] == [["limit", "5"], ["skip", "0"], ["start_date", "2025-10-07"],
                             ["end_date", "2025-10-07"], ["region", "gb"], ["region", "ire"]]
    assert (body["limit"], body["skip"], len(body["results"])) == (5, 0, 5)
    assert body["total"] > 5
    assert {race["region"] for race in body["results"]} <= {"GB", "IRE"}


async def test_paging_results_until_skip_reaches_total_returns_every_race_once(client: httpx.AsyncClient) -> None:
    params: dict[str, Any] = {"start_date": "2025-10-10", "end_date": "2025-10-12", "limit": 100}
    seen: list[str] = []
    skip, total = 0, None
    while total is None or skip < total:
        body = (await client.get("/v1/results", params={**params, "skip": skip})).json()
        total = body["total"]
        seen += [race["race_id"] for race in body["results"]]
        skip += body["limit"]
    assert len(seen) == len(set(seen)) == total > 100


async def test_default_limits_differ_by_dialect(client: httpx.AsyncClient, client_2025: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/results", params={"start_date": DAY, "end_date": DAY})).json()["limit"] == 50
    assert (await client_2025.get("/v1/results", params={"start_date": DAY, "end_date": DAY})).json()["limit"] == 25
    assert (await client.get("/v1/results", params={"limit": 100, "start_date": DAY})).status_code == 200
    over = await client_2025.get("/v1/results", params={"limit": 51})
    assert over.status_code == 422
    assert over.json() == {"detail": [{"loc": ["query", "limit"], "msg": "ensure this value is less than or "
                                       "equal to 50", "type": "value_error.number.not_le",
                                       "ctx": {"limit_value": 50}}]}


def test_missing_required_parameter_matches_the_recorded_422() -> None:
    """The search routes are not served yet; the parser every route shares must already give the
    recorded 2025 body for a missing ``name``."""
    from darkhorses.simulator.contract import SEARCH, ContractError, parse_query

    try:
        parse_query(SEARCH, [("limit", "10")], "2025")
    except ContractError as refusal:
        assert refusal.status == 422
        assert refusal.body == fixture_body("error_422_missing_required_query_param.json")
    else:
        raise AssertionError("a missing name must be refused")


async def test_2026_validation_errors_use_pydantic_v2_wording(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/racecards/pro", params={"limit": "0", "skip": "x"})
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"type": "greater_than_equal", "loc": ["query", "limit"], "msg": "Input should be greater than or equal to 1",
         "input": "0", "ctx": {"ge": 1}},
        {"type": "int_parsing", "loc": ["query", "skip"],
         "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "x"},
    ]


async def test_racecards_filter_by_region_and_course_overrides_region(client: httpx.AsyncClient) -> None:
    everything = (await client.get("/v1/racecards/pro", params={"date": DAY})).json()
    gb = (await client.get("/v1/racecards/pro", params={"date": DAY, "region_codes": "gb"})).json()
    assert gb["query"] == [["date", DAY], ["region_codes", "gb"]]
    assert gb["limit"] == 500 and gb["total"] == len(gb["racecards"]) < everything["total"]
    assert {c["region"] for c in gb["racecards"]} == {"GB"}
    irish = next(c for c in everything["racecards"] if c["region"] == "IRE")
    by_course = (await client.get("/v1/racecards/pro", params={"date": DAY, "region_codes": "gb",
                                                               "course_ids": irish["course_id"]})).json()
    assert {c["course_id"] for c in by_course["racecards"]} == {irish["course_id"]}
    misspelt = (await client.get("/v1/racecards/pro", params={"date": DAY, "region": "gb"})).json()
    assert misspelt["total"] == everything["total"]


async def test_results_filters(client: httpx.AsyncClient) -> None:
    base = {"start_date": "2025-10-01", "end_date": "2025-10-12", "limit": 100}
    chases = (await client.get("/v1/results", params={**base, "type": "chase"})).json()
    assert chases["results"] and {r["type"] for r in chases["results"]} == {"Chase"}
    class4 = (await client.get("/v1/results", params={**base, "race_class": "class_4", "going": "good"})).json()
    assert {(r["class"], r["going"]) for r in class4["results"]} == {("Class 4", "Good")}
    short = (await client.get("/v1/results", params={**base, "max_distance_y": 1320})).json()
    assert short["results"] and all(int(r["dist_y"]) <= 1320 for r in short["results"])


async def test_courses_and_regions(client: httpx.AsyncClient) -> None:
    gb = (await client.get("/v1/courses", params={"region_codes": "gb"})).json()
    assert gb["total"] == len(gb["courses"])
    assert gb["courses"][:2] == fixture_body("courses.json")["courses"]
    ire = (await client.get("/v1/courses", params={"region_codes": "ire"})).json()
    assert ire["courses"][:2] == fixture_body("courses_ire.json")["courses"]
    regions = (await client.get("/v1/courses/regions")).json()
    assert {"region": "Great Britain", "region_code": "gb"} in regions


async def test_single_objects_and_404s(client: httpx.AsyncClient, app_2026: Any) -> None:
    world = app_2026.state.world
    race = world.results(dt.date(2025, 10, 13))[0]
    assert (await client.get(f"/v1/results/{race['race_id']}")).json() == race
    card = (await client.get(f"/v1/racecards/{race['race_id']}/pro")).json()
    assert card["race_id"] == race["race_id"]
    for url in ("/v1/results/rac_1", "/v1/racecards/rac_999/pro", "/v1/horses/hrs_1/pro", "/v1/jockeys",
                "/v1/horses/sir_10000000/standard"):
        r = await client.get(url)
        assert r.status_code == 404, url
        assert r.json() == fixture_body("error_404_unknown_route.json")


async def test_future_race_has_a_card_but_no_result(client: httpx.AsyncClient, app_2026: Any) -> None:
    race = app_2026.state.world.races(TODAY + dt.timedelta(days=2))[0]
    assert (await client.get(f"/v1/racecards/{race.race_id}/pro")).status_code == 200
    assert (await client.get(f"/v1/results/{race.race_id}")).status_code == 404


async def test_result_is_published_some_minutes_after_the_off() -> None:
    clock = {"now": dt.datetime(2025, 10, 20, 12, 0, tzinfo=LONDON)}
    app = create_app(make_config(now=lambda: clock["now"]))
    race = next(r for r in app.state.world.races(TODAY) if not r.abandoned and r.course.domestic)
    async with asgi_client(app) as c:
        clock["now"] = race.off + dt.timedelta(minutes=1)
        assert (await c.get(f"/v1/results/{race.race_id}")).status_code == 404
        before = (await c.get("/v1/results/today", params={"limit": 100})).json()["total"]
        clock["now"] = race.off + dt.timedelta(minutes=race.result_delay)
        assert (await c.get(f"/v1/results/{race.race_id}")).status_code == 200
        after = (await c.get("/v1/results/today", params={"limit": 100})).json()["total"]
    assert after > before


async def test_auth_and_plans() -> None:
    app = create_app(make_config(plan="standard", username="u", password="p"))
    async with asgi_client(app, auth=None) as anonymous:
        r = await anonymous.get("/v1/courses")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Basic"
    async with asgi_client(app, auth=("u", "wrong")) as wrong:
        assert (await wrong.get("/v1/courses")).status_code == 401
    async with asgi_client(app, auth=("u", "p")) as standard:
        assert (await standard.get("/v1/courses")).status_code == 200
        assert (await standard.get("/v1/results", params={"start_date": DAY, "end_date": DAY})).status_code == 200
        assert (await standard.get("/v1/racecards/pro", params={"date": DAY})).status_code == 401
        assert (await standard.get("/v1/horses/hrs_15504105/pro")).status_code == 401
        assert (await standard.get("/v1/horses/hrs_15504105/standard")).status_code == 200
    free = create_app(make_config(plan="free"))
    async with asgi_client(free) as c:
        assert (await c.get("/v1/courses/regions")).status_code == 200
        assert (await c.get("/v1/results/today")).status_code == 401


async def test_date_windows() -> None:
    no_history = create_app(make_config(history_addon=False))
    async with asgi_client(no_history) as c:
        old = await c.get("/v1/results", params={"start_date": "2020-01-01", "end_date": "2020-01-01"})
        assert old.status_code == 422
        recent = await c.get("/v1/results", params={"start_date": "2025-01-01", "end_date": "2025-01-01"})
        assert recent.status_code == 200
        assert (await c.get("/v1/racecards/pro", params={"date": "2023-01-22"})).status_code == 422
        assert (await c.get("/v1/racecards/pro", params={"date": "2025-10-28"})).status_code == 422
        assert (await c.get("/v1/racecards/pro", params={"date": "2025-10-27"})).status_code == 200
        span = await c.get("/v1/results", params={"start_date": "2024-01-01", "end_date": "2025-06-01"})
        assert span.status_code == 422
    empty = create_app(make_config(history_addon=False, out_of_window="empty"))
    async with asgi_client(empty) as c:
        body = (await c.get("/v1/results", params={"start_date": "2020-01-01", "end_date": "2020-01-01"})).json()
        assert (body["results"], body["total"]) == ([], 0)
    with_history = create_app(make_config())
    async with asgi_client(with_history) as c:
        body = (await c.get("/v1/results", params={"start_date": "1988-01-02", "end_date": "1988-01-02"})).json()
        assert body["total"] > 0 and body["results"][0]["date"] == "1988-01-02"


async def test_counter_counts_requests_per_route_template() -> None:
    app = create_app(make_config())
    async with asgi_client(app) as c:
        await c.get("/v1/courses")
        await c.get("/v1/horses/hrs_15504105/standard")
        await c.get("/v1/horses/hrs_15504106/standard")
    async with asgi_client(app, auth=None) as c:
        await c.get("/v1/courses")
    assert app.state.counter["/v1/courses"] == 2
    assert app.state.counter["/v1/horses/{horse_id}/standard"] == 2
