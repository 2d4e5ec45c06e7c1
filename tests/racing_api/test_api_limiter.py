"""The shared limiter: per-endpoint buckets, a global cap, a 10-second window, pauses.

Start times are read from the virtual clock, so they are exact and nothing sleeps for real.
"""

from __future__ import annotations

import asyncio

import pytest

from darkhorses.racing_api import RateLimiter, RateLimits, VirtualClock
from darkhorses.racing_api.limiter import SEND_ALLOWANCE, SlidingWindow, TokenBucket, per_second_window


async def starts(limiter: RateLimiter, clock: VirtualClock, calls: list[tuple[str, str]]) -> list[float]:
    """Acquire concurrently for each ``(endpoint, family)``; return each call's start time."""
    times: list[float] = [0.0] * len(calls)

    async def one(index: int, endpoint: str, family: str) -> None:
        await limiter.acquire(endpoint, family)  # type: ignore[arg-type]
        times[index] = clock.now()

    await asyncio.gather(*(one(i, e, f) for i, (e, f) in enumerate(calls)))
    return times


async def test_one_endpoint_is_spaced_at_its_rate() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(default=5, global_=100, per_10s=1000, margin=0), clock)
    times = await starts(limiter, clock, [("/v1/results", "default")] * 6)
    assert times == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])


async def test_families_have_their_own_default_rates() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(global_=100, per_10s=1000, margin=0), clock)
    racecards = await starts(limiter, clock, [("/v1/racecards/pro", "racecards")] * 3)
    assert racecards == pytest.approx([0.0, 0.5, 1.0])
    courses = await starts(limiter, clock, [("/v1/courses", "reference")] * 3)
    assert [t - courses[0] for t in courses] == pytest.approx([0.0, 1.0, 2.0])


async def test_endpoints_do_not_wait_for_each_other() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(default=5, reference=1, global_=1e6, per_10s=1000, margin=0), clock)
    calls = [("/v1/courses", "reference")] * 3 + [("/v1/horses/{horse_id}/pro", "default")] * 3
    times = await starts(limiter, clock, calls)
    assert times[:3] == pytest.approx([0.0, 1.0, 2.0], abs=1e-5)
    assert times[3:] == pytest.approx([0.0, 0.2, 0.4], abs=1e-5)  # not held behind the 1/s courses


async def test_the_global_cap_binds_across_endpoints() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(default=5, global_=8, per_10s=1000, margin=0), clock)
    calls = [("/v1/a", "default"), ("/v1/b", "default")] * 8
    times = sorted(await starts(limiter, clock, calls))
    for t in times:  # no one-second window holds more than 8 starts
        assert sum(1 for u in times if t <= u < t + 1.0) <= 8
    assert times[8] == pytest.approx(1.0)  # 16 starts at the global 8/s, not 2 x 5/s
    assert times[-1] == pytest.approx(1.6)


async def test_the_global_cap_does_not_delay_an_endpoint_beyond_its_own_spacing() -> None:
    """A results start just before a racecard's slot must not push the racecard back: the global
    cap has room, and the racecard's own bucket could never win the delay back."""
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(default=5, racecards=2, global_=8, per_10s=1000, margin=0), clock)

    async def results_just_before_the_second_racecard() -> None:
        await clock.sleep(0.45)
        await limiter.acquire("/v1/results", "default")

    racecards, _ = await asyncio.gather(starts(limiter, clock, [("/v1/racecards/pro", "racecards")] * 3),
                                        results_just_before_the_second_racecard())
    assert racecards == pytest.approx([0.0, 0.5, 1.0])  # a global bucket of 8/s made it 0.575


def test_the_global_window_counts_whole_starts_within_each_second() -> None:
    eight = per_second_window(8, margin=0.03)
    assert (eight.count, eight.seconds) == (8, pytest.approx(8 / 7.76))
    half = per_second_window(0.5, margin=0)
    assert (half.count, half.seconds) == (1, 2.0)


async def test_the_ten_second_window_caps_bursts_below_cloudflare() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(default=1000, global_=1000, per_10s=90, margin=0), clock)
    times = await starts(limiter, clock, [(f"/v1/e{i % 20}", "default") for i in range(100)])
    assert sum(1 for t in times if t < 10.0) == 90
    assert sorted(times)[90] == pytest.approx(10.0, abs=0.01)
    for t in times:  # no 10-second window anywhere holds more than 90 starts
        assert sum(1 for u in times if t <= u < t + 10.0) <= 90


async def test_pause_holds_every_endpoint() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(global_=100, per_10s=1000, margin=0), clock)
    limiter.pause(300)
    times = await starts(limiter, clock, [("/v1/courses", "reference"), ("/v1/results", "default")])
    assert min(times) == pytest.approx(300.0)


async def test_waiters_on_one_endpoint_start_in_arrival_order() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(default=5, global_=100, per_10s=1000, margin=0), clock)
    order: list[int] = []

    async def one(index: int) -> None:
        await limiter.acquire("/v1/results", "default")
        order.append(index)

    await asyncio.gather(*(one(i) for i in range(10)))
    assert order == list(range(10))


def test_rate_limits_come_from_settings() -> None:
    from .conftest import make_settings

    limits = RateLimits.from_settings(
        make_settings(rate_limit_default=4, rate_limit_racecards=1.5, rate_limit_reference=0.5,
                      rate_limit_global=6, rate_limit_per_10s=50)
    )
    assert (limits.default, limits.racecards, limits.reference, limits.global_, limits.per_10s) == (4, 1.5, 0.5, 6, 50)
    assert limits.rate("default") == pytest.approx(4 * 0.97)  # spaced with the 3 % margin


async def test_the_margin_spaces_starts_slightly_wider_than_the_limit() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(default=5, global_=100, per_10s=1000, margin=0.03), clock)
    times = await starts(limiter, clock, [("/v1/results", "default")] * 6)
    assert times[5] == pytest.approx(5 / (5 * 0.97))  # the sixth start falls after the first second
    assert times[5] > 1.0


def test_token_bucket_refills_to_one_token_only() -> None:
    bucket = TokenBucket(rate=5, now=0.0)
    assert bucket.wait(0.0) == 0.0
    bucket.take()
    assert bucket.wait(0.1) == pytest.approx(0.1)
    assert bucket.wait(100.0) == 0.0
    bucket.take()
    assert bucket.wait(100.0) == pytest.approx(0.2)  # an idle hour does not bank a burst


def test_sliding_window_forgets_starts_older_than_ten_seconds() -> None:
    window = SlidingWindow(count=2)
    window.record(0.0)
    window.record(1.0)
    assert window.wait(5.0) == pytest.approx(5.0)
    assert window.wait(10.0) == 0.0


async def test_a_request_that_left_late_moves_the_next_start_back() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(racecards=2, global_=100, per_10s=1000, margin=0), clock)
    granted = await limiter.acquire("/v1/racecards/pro", "racecards")
    await clock.sleep(0.08)  # a new connection: the request reaches the network 80 ms after its start
    limiter.left("/v1/racecards/pro", granted)
    await limiter.acquire("/v1/racecards/pro", "racecards")
    assert clock.now() == pytest.approx(0.08 - SEND_ALLOWANCE + 0.5)


async def test_the_usual_sending_delay_moves_nothing() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(RateLimits(racecards=2, global_=100, per_10s=1000, margin=0), clock)
    granted = await limiter.acquire("/v1/racecards/pro", "racecards")
    await clock.sleep(SEND_ALLOWANCE / 2)
    limiter.left("/v1/racecards/pro", granted)
    await limiter.acquire("/v1/racecards/pro", "racecards")
    assert clock.now() == pytest.approx(0.5)
