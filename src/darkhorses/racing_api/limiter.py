"""Client-side rate limiting shared by every concurrent request of a client.

A request may start only when three budgets all allow it: its endpoint's token bucket (racecard
lists 2/s, courses and regions 1/s, everything else 5/s by default), a global cap across all
endpoints, and a sliding 10-second window kept below Cloudflare's 100-request IP block.

The limiter spaces request *starts*; it never waits for responses. With 300 ms of latency and
5/s, about two requests are in flight at once, which is what keeps the limit busy. Buckets hold
one token, so there are no bursts above an endpoint's rate. The global cap is ours, not the API's
(its limits are per endpoint): it is a sliding window, so that a results request that starts just
before a racecard does not push the racecard back by a global spacing, a delay the racecard's
own bucket could never win back. Waiters on the same endpoint queue in arrival order behind one
lock, so a crowd of tasks does not wake up at every free slot.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from darkhorses.config import Settings
from darkhorses.racing_api.clock import Clock, SystemClock
from darkhorses.racing_api.endpoints import RateFamily

WINDOW_SECONDS = 10.0
#: Waits shorter than this count as none: float rounding must not leave a task sleeping for
#: 1e-14 s forever on a clock that cannot represent the step.
EPSILON = 1e-9
SEND_ALLOWANCE = 0.005
"""How long a request may take from its start to the network without moving the next start:
building it and a turn of the event loop take a millisecond or so every time, and a delay
common to every request leaves their spacing as it was."""


@dataclass(frozen=True)
class RateLimits:
    """Requests per second per endpoint family, a global cap, and a cap per 10 s window.

    ``margin`` spaces starts slightly wider than ``1/rate`` (3 % by default). The server counts
    requests by arrival, and network jitter can bring two exactly-spaced requests closer: without
    headroom the sixth request of a 5/s stream lands in the same second as the first about half
    the time, and every such 429 costs a retry and a pause.
    """

    default: float = 5.0
    racecards: float = 2.0
    reference: float = 1.0
    global_: float = 8.0
    per_10s: int = 90
    margin: float = 0.03

    @classmethod
    def unlimited(cls) -> RateLimits:
        """No limit worth the name: for an in-process simulator (the demo, tests, benchmarks of
        the pipeline's own speed), which has no limits to respect."""
        return cls(default=1e9, racecards=1e9, reference=1e9, global_=1e9, per_10s=10**12)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(
            default=settings.rate_limit_default,
            racecards=settings.rate_limit_racecards,
            reference=settings.rate_limit_reference,
            global_=settings.rate_limit_global,
            per_10s=settings.rate_limit_per_10s,
        )

    def rate(self, family: RateFamily) -> float:
        """The spacing rate used for ``family``: the configured limit less the margin."""
        limit = {"racecards": self.racecards, "reference": self.reference, "default": self.default}[family]
        return limit * (1 - self.margin)


class TokenBucket:
    """A bucket of one token refilled at ``rate`` per second: starts spaced ``1/rate`` apart."""

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self._tokens = 1.0
        self._updated = now

    def wait(self, now: float) -> float:
        """Seconds until a token is available (0 when one is)."""
        self._tokens = min(1.0, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.rate

    def take(self) -> None:
        self._tokens -= 1.0

    def hold_back(self, seconds: float) -> None:
        """Make the next token ``seconds`` later than it would have been."""
        self._tokens -= seconds * self.rate


class SlidingWindow:
    """At most ``count`` starts in any ``seconds``-long window."""

    def __init__(self, count: int, seconds: float = WINDOW_SECONDS) -> None:
        self.count = count
        self.seconds = seconds
        self._starts: deque[float] = deque()

    def wait(self, now: float) -> float:
        while self._starts and self._starts[0] <= now - self.seconds:
            self._starts.popleft()
        return 0.0 if len(self._starts) < self.count else self._starts[0] + self.seconds - now

    def record(self, now: float) -> None:
        self._starts.append(now)


def per_second_window(limit: float, margin: float) -> SlidingWindow:
    """``limit`` starts a second less ``margin``, counted in whole starts: ``n`` (the whole part
    of the limit, at least one) in any ``n / (limit * (1 - margin))`` seconds, so that no
    one-second window ever holds more than the limit."""
    count = max(1, int(limit))
    return SlidingWindow(count, count / (limit * (1 - margin)))


class RateLimiter:
    """The one gate every request of a client passes through (see the module docstring)."""

    def __init__(self, limits: RateLimits | None = None, clock: Clock | None = None) -> None:
        self.limits = limits or RateLimits()
        self.clock: Clock = clock or SystemClock()
        self._global = per_second_window(self.limits.global_, self.limits.margin)
        self._window = SlidingWindow(self.limits.per_10s)
        self._buckets: dict[str, TokenBucket] = {}
        self._queues: dict[str, asyncio.Lock] = {}
        self._paused_until = float("-inf")

    async def acquire(self, endpoint: str, family: RateFamily) -> float:
        """Wait until a request to ``endpoint`` (a route template) may start, count it, and
        return the time it was let go (for :meth:`left`)."""
        if endpoint not in self._buckets:
            self._buckets[endpoint] = TokenBucket(self.limits.rate(family), self.clock.now())
            self._queues[endpoint] = asyncio.Lock()
        bucket = self._buckets[endpoint]
        async with self._queues[endpoint]:
            while True:
                now = self.clock.now()
                wait = max(
                    self._paused_until - now, bucket.wait(now), self._global.wait(now), self._window.wait(now)
                )
                if wait <= EPSILON:
                    bucket.take()
                    self._global.record(now)
                    self._window.record(now)
                    return now
                await self.clock.sleep(wait)

    def left(self, endpoint: str, granted: float) -> None:
        """A request to ``endpoint`` let go at ``granted`` has just been written to the network.

        Whatever delayed it (opening a connection, a TLS handshake, the first request's lazy
        imports, a busy event loop) shortened its distance to the requests after it, which the
        server counts by arrival: the next start on the endpoint moves back by the same delay.
        Without this, the first racecard of a run, held up 60-90 ms while httpx loaded its
        network backend and connected, arrived within one second of the third and was refused.
        """
        late = self.clock.now() - granted - SEND_ALLOWANCE
        if late > 0:
            self._buckets[endpoint].hold_back(late)

    def pause(self, seconds: float) -> None:
        """Hold every request for ``seconds`` (a server-requested wait or a 429 cool-off)."""
        self._paused_until = max(self._paused_until, self.clock.now() + seconds)

    @property
    def paused_until(self) -> float:
        return self._paused_until
