"""When to try a request again, and how long to wait first.

The rules (issue 4): retry 5xx, timeouts and connection errors with exponential backoff and
jitter; retry 429 too, honouring ``Retry-After``, and after several 429s in a row pause every
request for a cool-off (Cloudflare blocks an IP for 5 minutes) instead of hammering; never retry
401, 403, 404 or 422. A few connection failures in a row with no answer in between mean the API
cannot be reached at all: the client then gives up on every request instead of retrying each.
The loop itself lives in the client; this module holds the arithmetic so it can be tested on
its own. It is not a retry library's loop (stamina, tenacity): a 429 pauses the shared rate
limiter for every request rather than sleeping in one, waits go through the injected
:class:`~darkhorses.racing_api.clock.Clock` so tests never sleep, and connection failures are
counted across requests; each would be a hook bent around the library's own sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from darkhorses.config import Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts, backoff and cool-off. ``backoff_base=0`` turns waits off for tests."""

    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    cooloff_seconds: float = 300.0
    cooloff_after_429s: int = 3
    unreachable_after: int = 3
    """Connection failures in a row, with no answer in between, after which the API counts as
    down (:class:`~darkhorses.racing_api.errors.Unreachable`) and no more requests are sent."""

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(max_attempts=settings.max_attempts, cooloff_seconds=settings.rate_limit_cooloff_seconds)

    def backoff(self, attempt: int, jitter: float) -> float:
        """Wait after failed attempt number ``attempt`` (1-based); ``jitter`` is in [0, 1).

        "Equal jitter": half the exponential step is fixed, half random, so concurrent clients
        spread out but no wait collapses to zero.
        """
        step = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return step / 2 + jitter * step / 2


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
