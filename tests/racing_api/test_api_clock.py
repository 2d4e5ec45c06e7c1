"""The real clock's sleep: never short (the limiter's next start relies on it), and never blocking."""

from __future__ import annotations

import asyncio

import pytest

from darkhorses.racing_api.clock import SystemClock

pytestmark = pytest.mark.slow  # the system clock under test sleeps for real


@pytest.mark.parametrize("seconds", [0.0, 0.0005, 0.002, 0.013, 0.05])
async def test_sleep_never_ends_before_its_deadline(seconds: float) -> None:
    clock = SystemClock()
    for _ in range(5):
        deadline = clock.now() + seconds
        await clock.sleep(seconds)
        assert clock.now() >= deadline


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
