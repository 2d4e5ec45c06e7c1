"""Keep the cyclic garbage collector out of bulk work in a process that does nothing else.

Reading a Pro racecard page builds a hundred thousand models and rows (the fetch's page worker),
and rendering one builds as many objects (the simulator); all of them live until the step is
done. Every few hundred allocations the collector starts and traces those same live objects
again, finding nothing: a third more of the worker's CPU (benchmarks/RESULTS.md). With it paused
for the step, anything cyclic the step leaves behind is collected after it, as usual. The switch
is process-wide, so it is for processes whose one job is the step, not for the fetch's own.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def collector_paused(step: Callable[P, T]) -> Callable[P, T]:
    """``step`` with automatic collection off while it runs. The switch is process-wide: a step
    that finds it already off (another thread's step) leaves it to that step to turn back on."""

    @wraps(step)
    def paused(*args: P.args, **kwargs: P.kwargs) -> T:
        if not gc.isenabled():
            return step(*args, **kwargs)
        gc.disable()
        try:
            return step(*args, **kwargs)
        finally:
            gc.enable()

    return paused
