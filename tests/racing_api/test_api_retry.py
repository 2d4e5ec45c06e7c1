"""Retries: backoff with jitter, Retry-After, the 429 cool-off; all on the virtual clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from darkhorses.racing_api import RacingApiClient, RateLimited, RateLimiter, RateLimits, RetryPolicy, VirtualClock
from darkhorses.racing_api.retry import retry_after_seconds

from .conftest import FakeApi, fixture_text, make_settings

REGIONS = fixture_text("regions.json")


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text=REGIONS)


def status(code: int, headers: dict[str, str] | None = None) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(code, json={"detail": "x"}, headers=headers or {})


def waits(clock: VirtualClock) -> list[float]:
    """The waits the retry logic asked for (the limiter is unlimited here, so it never sleeps)."""
    return list(clock.sleeps)


@pytest.fixture
def client(make_client: Callable[..., RacingApiClient], clock: VirtualClock) -> RacingApiClient:
    """A client whose rate limits never bind, so every sleep on the clock is a retry wait."""
    return make_client(limiter=unlimited(clock))


def unlimited(clock: VirtualClock) -> RateLimiter:
    return RateLimiter(RateLimits.unlimited(), clock)


async def test_5xx_then_success_backs_off_exponentially(fake: FakeApi, client: RacingApiClient, clock: VirtualClock) -> None:
    for handler in (status(500), status(503), status(504), ok):
        fake.add_handler("/v1/courses/regions", handler)
    regions = await client.regions()
    assert [r.region_code for r in regions] == ["spa", "gb"]
    assert len(fake.requests) == 4
    # base 1 s, doubling, equal jitter with jitter() == 0.5 → 0.75 × step
    assert waits(clock) == [0.75, 1.5, 3.0]


def test_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=60.0)
    assert policy.backoff(1, 0.0) == 0.5 and policy.backoff(1, 0.999) < 1.0
    assert policy.backoff(10, 1.0) == 60.0
    assert RetryPolicy(backoff_base=0).backoff(3, 0.7) == 0


async def test_timeouts_are_retried(fake: FakeApi, client: RacingApiClient) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    fake.add_handler("/v1/courses/regions", slow).add_handler("/v1/courses/regions", ok)
    assert len(await client.regions()) == 2
    assert len(fake.requests) == 2


async def test_retry_after_is_honoured_on_503(fake: FakeApi, client: RacingApiClient, clock: VirtualClock) -> None:
    fake.add_handler("/v1/courses/regions", status(503, {"Retry-After": "7"})).add_handler("/v1/courses/regions", ok)
    await client.regions()
    assert waits(clock) == [7.0]


async def test_retry_after_on_429_pauses_every_request(fake: FakeApi, client: RacingApiClient, clock: VirtualClock) -> None:
    fake.add_handler("/v1/courses/regions", status(429, {"Retry-After": "12"})).add_handler("/v1/courses/regions", ok)
    await client.regions()
    assert client.limiter.paused_until == 12.0
    assert clock.now() >= 12.0
    assert len(fake.requests) == 2


async def test_repeated_429s_trigger_the_cool_off(fake: FakeApi, client: RacingApiClient, clock: VirtualClock) -> None:
    for handler in (status(429), status(429), status(429), ok):
        fake.add_handler("/v1/courses/regions", handler)
    await client.regions()
    # two short backoffs, then the third 429 in a row pauses everything for the 300 s cool-off
    send_times = clock.now()
    assert client.limiter.paused_until == pytest.approx(0.75 + 1.5 + 300.0, abs=0.01)
    assert send_times >= 301.0
    assert len(fake.requests) == 4


async def test_cool_off_length_comes_from_settings(fake: FakeApi, make_client: Callable[..., RacingApiClient],
                                                   clock: VirtualClock) -> None:
    client = make_client(make_settings(rate_limit_cooloff_seconds=60), limiter=unlimited(clock))
    for handler in (status(429), status(429), status(429), ok):
        fake.add_handler("/v1/courses/regions", handler)
    await client.regions()
    assert client.limiter.paused_until == pytest.approx(0.75 + 1.5 + 60.0, abs=0.01)


async def test_requests_after_a_cool_off_wait_too(fake: FakeApi, client: RacingApiClient, clock: VirtualClock) -> None:
    for handler in (status(429), status(429), status(429), ok):
        fake.add_handler("/v1/courses/regions", handler)
    fake.add_handler("/v1/courses", lambda r: httpx.Response(200, text=fixture_text("courses.json")))
    await client.regions()
    paused_until = client.limiter.paused_until
    await client.courses()
    assert clock.now() >= paused_until


async def test_max_attempts_comes_from_settings(fake: FakeApi, make_client: Callable[..., RacingApiClient],
                                               clock: VirtualClock) -> None:
    client = make_client(make_settings(max_attempts=2), limiter=unlimited(clock))
    fake.add_handler("/v1/courses/regions", status(429))
    with pytest.raises(RateLimited, match="after 2 attempts"):
        await client.regions()
    assert len(fake.requests) == 2


@pytest.mark.parametrize("code", [401, 403, 404, 422])
async def test_never_retried(fake: FakeApi, client: RacingApiClient, clock: VirtualClock, code: int) -> None:
    fake.add_handler("/v1/courses/regions", status(code))
    with pytest.raises(Exception):
        await client.regions()
    assert len(fake.requests) == 1
    assert waits(clock) == []


def test_retry_after_parsing() -> None:
    now = datetime(2025, 10, 13, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("1.5") == 1.5
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds("Mon, 13 Oct 2025 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Mon, 13 Oct 2025 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
