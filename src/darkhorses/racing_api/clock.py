"""Time as a dependency, so rate limiting and retries can be tested without real sleeping.

The limiter and the retry loop only ever ask a :class:`Clock` for ``now()`` and ``sleep()``.
Production uses :class:`SystemClock`; tests (here and in the fetch pipeline) use
:class:`VirtualClock`, whose time jumps straight to the next pending wake-up once every task is
waiting, so a 5-minute cool-off costs microseconds and the timings are exact.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol


class Clock(Protocol):
    """What the limiter and retry loop need from time."""

    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds``."""
        ...


class SystemClock:
    """Real time: ``time.monotonic`` and ``asyncio.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class VirtualClock:
    """Deterministic event-loop time for tests.

    ``sleep`` parks the task on a timer. A helper task advances ``now`` to the earliest timer
    once the loop has had ``settle_rounds`` turns without anything new being scheduled, i.e.
    once every task is blocked on the clock. It works with any in-process transport
    (``httpx.MockTransport``, ``httpx.ASGITransport``); it is not meant for real sockets.
    """

    def __init__(self, start: float = 0.0, *, settle_rounds: int = 50) -> None:
        self._now = start
        self._settle_rounds = settle_rounds
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._driver: asyncio.Task[None] | None = None
        self.sleeps: list[float] = []  # every requested sleep, for assertions

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self._now + seconds, next(self._seq), future))
        self._ensure_driver()
        await future

    def _ensure_driver(self) -> None:
        if self._driver is None or self._driver.done():
            self._driver = asyncio.get_running_loop().create_task(self._drive())

    async def _drive(self) -> None:
        """Advance to the next deadline whenever the loop has gone quiet; stop when none is left."""
        while self._timers:
            for _ in range(self._settle_rounds):
                await asyncio.sleep(0)
            deadline, _, future = heapq.heappop(self._timers)
            self._now = max(self._now, deadline)
            if not future.done():
                future.set_result(None)
