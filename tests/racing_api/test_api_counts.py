"""The client counts what the run records need: requests, 429 answers and retries, per endpoint."""

from __future__ import annotations

import httpx

from darkhorses.racing_api import RacingApiClient

from .conftest import FakeApi, fixture_text
from .test_api_retry import ok, status


async def test_429s_and_retries_are_counted_per_endpoint(fake: FakeApi, client: RacingApiClient) -> None:
    for handler in (status(429), status(503), status(429), ok):
        fake.add_handler("/v1/courses/regions", handler)
    fake.add("/v1/courses", fixture="courses.json")
    await client.regions()
    await client.courses()
    assert client.requests == {"/v1/courses/regions": 4, "/v1/courses": 1}
    assert client.rate_limited == {"/v1/courses/regions": 2}
    assert client.retried == {"/v1/courses/regions": 3}


async def test_a_clean_call_counts_no_429_and_no_retry(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add_handler("/v1/courses/regions", lambda request: httpx.Response(200, text=fixture_text("regions.json")))
    await client.regions()
    assert client.requests == {"/v1/courses/regions": 1}
    assert not client.rate_limited and not client.retried
