"""The client against the offline Racing API (the simulator) over ``httpx.ASGITransport``.

The simulator knows the contract (parameter names, bounds, paging caps, plans, 2025 and 2026
dialects, rate limits) and holds the ground truth, so these tests check that the client reads
everything there is, nothing more, and copes with the simulator's limits and faults.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from typing import Any

import httpx
import pytest

from darkhorses.racing_api import (
    AuthError,
    InvalidRequest,
    NotFound,
    PlanError,
    RacingApiClient,
    RateLimiter,
    RateLimits,
    VirtualClock,
)
from darkhorses.simulator import FaultConfig, SimulatorConfig, create_app
from darkhorses.london import LONDON

from .conftest import PASSWORD, USERNAME, make_settings

TODAY = dt.date(2025, 10, 20)
NOW = dt.datetime(2025, 10, 20, 23, 30, tzinfo=LONDON)  # every race of TODAY is resulted


def simulator(clock: VirtualClock | None = None, **overrides: Any) -> Any:
    values: dict[str, Any] = {"seed": 1, "today": TODAY, "username": USERNAME, "password": PASSWORD}
    if clock is not None:  # the simulator's time and latency follow the client's virtual clock
        values["now"] = lambda: NOW + dt.timedelta(seconds=clock.now())
        values["sleep"] = clock.sleep
    else:
        values["now"] = lambda: NOW
    values.update(overrides)
    return create_app(SimulatorConfig(**values))


def client_for(app: Any, clock: VirtualClock, **options: Any) -> RacingApiClient:
    settings = options.pop("settings", None) or make_settings(racing_api_base_url="http://simulator")
    return RacingApiClient.from_settings(settings, transport=httpx.ASGITransport(app=app), clock=clock, jitter=lambda: 0.5, **options)


def uk_ire(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in items if item["region"] in ("GB", "IRE")]


@pytest.fixture(scope="module")
def app() -> Any:
    return simulator()


@pytest.fixture(scope="module")
def app_2025() -> Any:
    return simulator(dialect="2025")


@pytest.fixture(scope="module")
def limited() -> tuple[Any, VirtualClock]:
    """A rate-limited simulator with 300 ms latency on one virtual clock kept for the module."""
    clock = VirtualClock()
    return simulator(clock, rate_limits_enabled=True, latency_ms=300), clock


def unknown_horses(count: int) -> list[str]:
    """Ids no horse has: each request is a cheap 404 that still counts against the rate limits."""
    return [f"hrs_9{i:08d}" for i in range(count)]


async def test_reference_data(app: Any) -> None:
    api = client_for(app, VirtualClock())
    courses = await api.courses(["gb", "ire"])
    regions = await api.regions()
    truth = app.state.world.courses(["gb", "ire"])
    assert [c.id for c in courses] == [c["id"] for c in truth]
    assert {c.region_code for c in courses} == {"gb", "ire"}
    assert "gb" in {r.region_code for r in regions}
    assert api.unknown_fields == Counter()


async def test_racecards_for_a_date_match_the_world(app: Any) -> None:
    api = client_for(app, VirtualClock())
    day = TODAY + dt.timedelta(days=1)
    cards = await api.racecards_pro(day, region_codes=["gb", "ire"])
    truth = uk_ire(list(app.state.world.racecards(day)))
    assert [c.race_id for c in cards] == [t["race_id"] for t in truth] and cards
    assert sum(len(c.runners) for c in cards) == sum(len(t["runners"]) for t in truth)
    assert api.unknown_fields == Counter()


@pytest.mark.parametrize(("dialect", "page_limit"), [("2026", 100), ("2025", 50)])
async def test_results_over_days_read_every_page(app: Any, app_2025: Any, dialect: str, page_limit: int) -> None:
    server = app if dialect == "2026" else app_2025
    before = server.state.counter["/v1/results"]
    api = client_for(server, VirtualClock(), results_page_limit=page_limit)
    start, end = TODAY - dt.timedelta(days=2), TODAY
    results = await api.results(start, end, region=["gb", "ire"])
    world = server.state.world
    truth = [r for day in world.dates(start, end) for r in uk_ire(world.results(day, dialect))]
    assert len(results) == len(truth) > page_limit  # several pages were needed
    assert {r.race_id for r in results} == {t["race_id"] for t in truth}
    assert server.state.counter["/v1/results"] - before == -(-len(truth) // page_limit)
    # the only fields outside the schema are those some real bodies carry (simulator.habits)
    assert set(api.unknown_fields) <= {f"/v1/results results[].{key}" for key in
                                       ("_id", "actual_off", "ran", "runners[].grandsire", "runners[].grandsire_id")}


async def test_2025_server_refuses_a_limit_of_100_with_a_clear_error(app_2025: Any) -> None:
    api = client_for(app_2025, VirtualClock())
    with pytest.raises(InvalidRequest, match=r"\(422\): query.limit: ensure this value is less than or equal to 50"):
        await api.results(TODAY, TODAY)


async def test_single_race_result_and_racecard(app: Any) -> None:
    api = client_for(app, VirtualClock())
    race_id = app.state.world.results(TODAY)[0]["race_id"]
    result = await api.result(race_id)
    card = await api.racecard_pro(race_id)
    assert result.race_id == card.race_id == race_id
    assert {r.horse_id for r in result.runners} <= {r.horse_id for r in card.runners}


async def test_horse_pro_falls_back_to_standard_on_404(app: Any) -> None:
    api = client_for(app, VirtualClock())
    horse_ids = [r["horse_id"] for card in app.state.world.racecards(TODAY) for r in card["runners"]]
    without_pro = next(h for h in horse_ids if app.state.world.horse_pro(h) is None)
    with_pro = next(h for h in horse_ids if app.state.world.horse_pro(h) is not None)
    assert (await api.horse_pro(with_pro)).id == with_pro
    with pytest.raises(NotFound):
        await api.horse_pro(without_pro)
    assert (await api.horse_standard(without_pro)).id == without_pro


async def test_plan_and_credential_errors() -> None:
    standard = simulator(plan="standard")
    api = client_for(standard, VirtualClock(), settings=make_settings(racing_api_plan="standard"))
    with pytest.raises(PlanError, match=r"your plan \(standard\) does not include /v1/racecards/pro"):
        await api.racecards_pro(TODAY)
    wrong = client_for(standard, VirtualClock(), settings=make_settings(racing_api_plan="standard",
                                                                        racing_api_password="not-the-password"))
    with pytest.raises(AuthError, match="refused the credentials for /v1/results"):
        await wrong.results(TODAY, TODAY)
    assert standard.state.counter["/v1/results"] == 1  # no retry of a 401


async def test_the_clients_limits_keep_it_clear_of_the_simulators_429s(limited: tuple[Any, VirtualClock]) -> None:
    app, clock = limited
    api = client_for(app, clock)
    before = sum(app.state.counter.values())
    calls = [api.horse_standard(h) for h in unknown_horses(60)] + [api.courses(["gb"]) for _ in range(4)]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(o, NotFound) for o in outcomes[:60]) and all(isinstance(o, list) for o in outcomes[60:])
    assert sum(api.requests.values()) == 64  # no 429, so no request was sent twice
    assert sum(app.state.counter.values()) - before == 64


async def test_without_client_limits_the_simulator_throttles_and_the_client_recovers(
    limited: tuple[Any, VirtualClock],
) -> None:
    app, clock = limited
    hurried = RateLimiter(RateLimits(default=50, racecards=50, reference=50, global_=50, per_10s=95), clock)
    api = client_for(app, clock, limiter=hurried)
    outcomes = await asyncio.gather(*(api.horse_standard(h) for h in unknown_horses(20)), return_exceptions=True)
    assert all(isinstance(o, NotFound) for o in outcomes)  # the 429s in between were retried away
    assert api.requests["/v1/horses/{horse_id}/standard"] > 20


async def test_injected_server_errors_are_retried() -> None:
    app = simulator(faults=FaultConfig(server_error=0.3, seed=7))
    api = client_for(app, VirtualClock())
    courses = await asyncio.gather(*(api.courses(["gb"]) for _ in range(10)))
    assert all(len(c) == len(courses[0]) > 0 for c in courses)
    assert api.requests["/v1/courses"] > 10


async def test_broken_bodies_and_dropped_connections_are_retried() -> None:
    app = simulator(faults=FaultConfig(invalid_json=0.2, drop=0.2, seed=11))
    api = client_for(app, VirtualClock())
    courses = await asyncio.gather(*(api.courses(["ire"]) for _ in range(10)))
    assert all([c.id for c in got] == [c.id for c in courses[0]] and got for got in courses)
    assert api.requests["/v1/courses"] > 10


async def test_drifted_bodies_are_tolerated_and_counted() -> None:
    app = simulator(faults=FaultConfig(drift=1.0, seed=3))
    api = client_for(app, VirtualClock())
    courses = await api.courses(["gb"])
    assert courses
    assert api.unknown_fields == Counter({"/v1/courses courses[].sim_added_field": len(courses)})
