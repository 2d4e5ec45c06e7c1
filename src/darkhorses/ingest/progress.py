"""How a run reports progress: the interface a Rich bar implements on a terminal, log lines elsewhere."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

PROGRESS_EVERY = 30.0
"""Seconds between progress lines, at most, when not on a terminal."""


class Progress(Protocol):
    """Where a run reports progress: a Rich bar on a terminal, log lines elsewhere."""

    def add(self, job: str, total: int) -> None: ...

    def advance(self, job: str) -> None: ...


class LogProgress:
    """Progress as log lines (for cron and containers): every tenth of a job, at its end, and at
    least every :data:`PROGRESS_EVERY` while units land (a long enrichment's tenth can take an hour)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._totals: dict[str, int] = {}
        self._done: Counter[str] = Counter()
        self._clock = clock
        self._last = clock()

    def add(self, job: str, total: int) -> None:
        self._totals[job] = self._totals.get(job, 0) + total

    def advance(self, job: str) -> None:
        self._done[job] += 1
        done, total = self._done[job], self._totals[job]
        now = self._clock()
        if done == total or done % max(1, total // 10) == 0 or now - self._last >= PROGRESS_EVERY:
            self._last = now
            log.info("%s: %d/%d units", job, done, total)


def duration(seconds: float) -> str:
    """A rough duration for an estimate: "under a minute", "14 min", "2.5 h"."""
    if seconds < 60:
        return "under a minute"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
