"""The real clock's sleep: never short, and it holds the event loop only for its last stretch."""

from __future__ import annotations

import asyncio
import time

import pytest

from darkhorses.racing_api import clock as clock_module
from darkhorses.racing_api.clock import PRECISE_TAIL_SECONDS, SystemClock

pytestmark = pytest.mark.slow  # the system clock under test sleeps for real


@pytest.mark.parametrize("seconds", [0.0, 0.0005, PRECISE_TAIL_SECONDS, 0.013, 0.05])
async def test_sleep_never_ends_before_its_deadline(seconds: float) -> None:
    clock = SystemClock()
    for _ in range(5):
        deadline = clock.now() + seconds
        await clock.sleep(seconds)
        assert clock.now() >= deadline


async def test_only_the_last_stretch_blocks_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    blocked: list[float] = []
    real_sleep = time.sleep

    def recorded(seconds: float) -> None:
        blocked.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(clock_module.time, "sleep", recorded)
    for seconds in (0.001, 0.02, 0.05):
        await SystemClock().sleep(seconds)
    assert blocked and max(blocked) <= PRECISE_TAIL_SECONDS + 1e-6


async def test_other_tasks_run_while_it_sleeps() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await SystemClock().sleep(0.02)
    task.cancel()
    assert ticks > 1
