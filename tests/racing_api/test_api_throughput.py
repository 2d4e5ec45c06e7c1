"""Requests overlap: with 300 ms latency a 5/s limit is kept busy (virtual time, no real sleeps).

The wall-clock measurement is ``benchmarks/bench_rate_limit.py``; this test pins the mechanism:
the limiter spaces starts, not round trips, so several requests are in flight at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from darkhorses.racing_api import RacingApiClient, VirtualClock
from darkhorses.racing_api.limiter import SEND_ALLOWANCE

from .conftest import make_settings

LATENCY = 0.3
HORSE = '{"id": "hrs_1", "name": "Example"}'


async def test_200_requests_at_5_per_second_keep_the_limit_busy(make_client: Callable[..., RacingApiClient],
                                                                 clock: VirtualClock) -> None:
    in_flight = 0
    peak = 0
    starts: list[float] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        starts.append(clock.now())
        in_flight += 1
        peak = max(peak, in_flight)
        await clock.sleep(LATENCY)
        in_flight -= 1
        return httpx.Response(200, text=HORSE)

    client = make_client(make_settings(rate_limit_default=5, rate_limit_global=8), transport=httpx.MockTransport(slow))
    await asyncio.gather(*(client.horse_pro(f"hrs_{i}") for i in range(200)))
    elapsed = clock.now()
    achieved = 200 / elapsed
    assert achieved >= 0.95 * 5
    assert peak >= 2  # overlapping requests; one at a time would cap at 1 / 0.3 s = 3.3/s
    # starts never drift apart: each follows the previous by the limiter's spacing (3 % margin)
    assert max(later - earlier for earlier, later in zip(starts, starts[1:])) <= 1 / (5 * 0.97) + 1e-9
    assert client.requests["/v1/horses/{horse_id}/pro"] == 200


async def test_a_request_held_up_on_its_way_out_holds_back_the_next(make_client: Callable[..., RacingApiClient],
                                                                    clock: VirtualClock) -> None:
    """The server counts arrivals: a first request delayed by opening its connection must not
    arrive closer to the next one than the limit allows (httpx reports the real departure)."""
    arrivals: list[float] = []

    class SlowFirstConnection(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if not arrivals:
                await clock.sleep(0.1)
            arrivals.append(clock.now())
            await request.extensions["trace"]("http11.send_request_headers.complete", {})
            return httpx.Response(200, text=HORSE)

    client = make_client(make_settings(rate_limit_default=5, rate_limit_global=8), transport=SlowFirstConnection())
    for i in range(3):
        await client.horse_pro(f"hrs_{i}")
    spacing = 1 / client.limiter.limits.rate("default")
    assert [b - a for a, b in zip(arrivals, arrivals[1:])] == pytest.approx([spacing - SEND_ALLOWANCE, spacing])
