"""Settings of one simulator instance: world seed, account, dialect, limits and faults.

Everything a test may want to pin is here, including the clock, so that "a result appears some
minutes after the off" and rate limits are exercised without real waiting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from darkhorses.london import london_now


Plan = Literal["free", "basic", "standard", "pro"]
Dialect = Literal["2025", "2026"]
PLANS: tuple[str, ...] = ("free", "basic", "standard", "pro")
FAULT_KINDS = ("server_error", "slow", "hang", "drop", "truncate", "invalid_json", "drift")


@dataclass
class FaultConfig:
    """Per-request probabilities of each injected failure, drawn from a stream seeded by ``seed``.

    ``slow_seconds`` is the added delay of a slow response; a hanging response waits
    ``hang_seconds`` (long enough to trip any client timeout) before answering.
    """

    server_error: float = 0.0
    slow: float = 0.0
    hang: float = 0.0
    drop: float = 0.0
    truncate: float = 0.0
    invalid_json: float = 0.0
    drift: float = 0.0
    seed: int = 0
    slow_seconds: float = 2.0
    hang_seconds: float = 120.0

    def any(self) -> bool:
        return any(getattr(self, kind) > 0 for kind in FAULT_KINDS)

    @classmethod
    def spread(cls, rate: float, seed: int = 0) -> FaultConfig:
        """``rate`` of the requests failing, in equal shares of 5xx, dropped, truncated, invalid
        JSON and schema drift: the failures a client must survive without waiting (``simulate
        --fault-rate``)."""
        share = rate / 5
        return cls(server_error=share, drop=share, truncate=share, invalid_json=share, drift=share, seed=seed)


@dataclass
class SimulatorConfig:
    """One simulator: world, account and behaviour. Defaults give a friendly demo server.

    ``today`` None means the real Europe/London date; ``now`` None means the real clock (a
    callable returning an aware datetime can be injected), and ``sleep`` (default
    ``asyncio.sleep``) serves latency, slow and hanging responses. ``out_of_window`` decides what a
    request outside the plan's date window gets: ``"422"``, ``"401"`` or an ``"empty"`` page.
    Rate limits (requests per second per endpoint family, The Racing API 2026) and the IP
    cool-off (more than ``ip_block_threshold`` requests in ``ip_window_seconds`` blocks every
    request for ``ip_block_seconds``) apply only when ``rate_limits_enabled``.
    """

    seed: int = 1
    plan: Plan = "pro"
    username: str = "demo"
    password: str = "demo"
    today: dt.date | None = None
    history_addon: bool = True
    dialect: Dialect = "2026"
    latency_ms: float = 0.0
    rate_limits_enabled: bool = False
    rate_limit_default: float = 5.0
    rate_limit_racecards: float = 2.0
    rate_limit_courses: float = 1.0
    ip_block_threshold: int = 100
    ip_window_seconds: float = 10.0
    ip_block_seconds: float = 300.0
    faults: FaultConfig = field(default_factory=FaultConfig)
    now: Callable[[], dt.datetime] | None = None
    sleep: Callable[[float], Awaitable[None]] | None = None
    out_of_window: Literal["422", "401", "empty"] = "422"

    def __post_init__(self) -> None:
        if self.plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}")
        if self.dialect not in ("2025", "2026"):
            raise ValueError("dialect must be 2025 or 2026")
        if self.out_of_window not in ("422", "401", "empty"):
            raise ValueError("out_of_window must be 422, 401 or empty")

    def clock(self) -> dt.datetime:
        """The current time as the simulator sees it."""
        return self.now() if self.now is not None else london_now()

    def current_date(self) -> dt.date:
        return self.today or self.clock().date()
