"""Rate limits, the IP cool-off and injected faults, all on injected clocks and sleeps."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from darkhorses.simulator import FaultConfig, create_app, serve_in_thread
from darkhorses.simulator.app import DroppedConnection
from darkhorses.london import LONDON
from darkhorses.simulator.faults import UNKNOWN_FIELD

from .conftest import asgi_client, make_config

START = dt.datetime(2025, 10, 20, 12, 0, tzinfo=LONDON)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


async def test_per_endpoint_rate_limits_answer_429_and_recover() -> None:
    clock = Clock()
    app = create_app(make_config(now=clock, rate_limits_enabled=True))
    async with asgi_client(app) as c:
        codes = [(await c.get("/v1/racecards/pro", params={"date": "2025-10-13"})).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert (await c.get("/v1/courses")).status_code == 200
        assert (await c.get("/v1/courses")).status_code == 429
        statuses = [(await c.get("/v1/horses/hrs_15504105/standard")).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        clock.advance(1.01)
        assert (await c.get("/v1/courses")).status_code == 200


async def test_ip_cool_off_blocks_everything_for_the_configured_time() -> None:
    clock = Clock()
    app = create_app(make_config(now=clock, rate_limits_enabled=True, rate_limit_default=1000,
                                 ip_block_threshold=10, ip_block_seconds=60))
    async with asgi_client(app) as c:
        codes = [(await c.get("/v1/horses/hrs_15504105/standard")).status_code for _ in range(11)]
        assert codes == [200] * 10 + [429]
        clock.advance(30)
        assert (await c.get("/v1/courses/regions")).status_code == 429
        clock.advance(31)
        assert (await c.get("/v1/courses/regions")).status_code == 200


async def test_limits_are_off_by_default(client: httpx.AsyncClient) -> None:
    codes = {(await client.get("/v1/courses/regions")).status_code for _ in range(5)}
    assert codes == {200}


def _faulty(kind: str, **extra: Any) -> Any:
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    faults = FaultConfig(**{kind: 1.0}, seed=3, **extra)
    app = create_app(make_config(faults=faults, sleep=fake_sleep, latency_ms=25))
    return app, sleeps


async def test_server_errors() -> None:
    app, _ = _faulty("server_error")
    async with asgi_client(app) as c:
        r = await c.get("/v1/courses")
    assert r.status_code in (500, 502, 503, 504)


async def test_slow_and_hanging_responses_wait_on_the_injected_sleep() -> None:
    for kind, expected in (("slow", 2.0), ("hang", 120.0)):
        app, sleeps = _faulty(kind)
        async with asgi_client(app) as c:
            assert (await c.get("/v1/courses")).status_code == 200
        assert sleeps == [0.025, expected]


async def test_dropped_connections() -> None:
    app, _ = _faulty("drop")
    async with asgi_client(app) as c:
        with pytest.raises(DroppedConnection):
            await c.get("/v1/courses")


async def test_truncated_and_invalid_bodies() -> None:
    for kind in ("truncate", "invalid_json"):
        app, _ = _faulty(kind)
        async with asgi_client(app) as c:
            r = await c.get("/v1/courses")
        assert r.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(r.content)


async def test_schema_drift_adds_drops_or_nulls_fields() -> None:
    app, _ = _faulty("drift")
    clean = create_app(make_config())
    async with asgi_client(app) as c, asgi_client(clean) as d:
        params = {"start_date": "2025-10-13", "end_date": "2025-10-13"}
        drifted = (await c.get("/v1/results", params=params)).json()["results"]
        original = (await d.get("/v1/results", params=params)).json()["results"]
    added = sum(UNKNOWN_FIELD in race for race in drifted)
    dropped = sum(len(a) < len(b) for a, b in zip(drifted, original))
    nulled = sum(any(a.get(k) is None and b.get(k) is not None for k in b) for a, b in zip(drifted, original))
    assert added and dropped and nulled


async def test_fault_sequence_is_reproducible_from_the_seed() -> None:
    async def statuses() -> list[int]:
        app = create_app(make_config(faults=FaultConfig(server_error=0.5, seed=11)))
        async with asgi_client(app) as c:
            return [(await c.get("/v1/courses/regions")).status_code for _ in range(20)]

    first = await statuses()
    assert first == await statuses()
    assert 200 in first and any(code >= 500 for code in first)


def test_serve_in_thread_serves_over_loopback_and_stops() -> None:
    config = make_config()
    with serve_in_thread(config) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        r = httpx.get(f"{base_url}/v1/courses", params={"region_codes": "ire"}, auth=("demo", "demo"))
        assert r.status_code == 200 and r.json()["total"] > 20
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/v1/courses", auth=("demo", "demo"))


def test_a_dropped_connection_reaches_a_real_client_as_a_protocol_error() -> None:
    with serve_in_thread(make_config(faults=FaultConfig(drop=1.0))) as base_url:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{base_url}/v1/courses", auth=("demo", "demo"))
