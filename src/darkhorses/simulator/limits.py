"""Rate limits per endpoint and the Cloudflare-style IP cool-off, on an injected clock.

Each (client, endpoint) pair may make ``rate`` requests in any one-second window; beyond that
the API answers 429. Separately, more than ``threshold`` requests from one client in
``window`` seconds block every request from it for ``block`` seconds. Times are plain floats
(seconds) from the simulator's clock so tests can step time instead of sleeping.
"""

from __future__ import annotations

from collections import defaultdict, deque


class SlidingWindow:
    """Allow at most ``limit`` events per ``seconds`` for each key."""

    def __init__(self, limit: float, seconds: float = 1.0) -> None:
        self.limit = limit
        self.seconds = seconds
        self._events: dict[object, deque[float]] = defaultdict(deque)

    def allow(self, key: object, now: float) -> bool:
        """Record the event and say whether it is within the limit (refused events still count)."""
        events = self._events[key]
        while events and events[0] <= now - self.seconds:
            events.popleft()
        events.append(now)
        return len(events) <= self.limit


class IpCoolOff:
    """More than ``threshold`` requests in ``window`` seconds blocks a client for ``block`` seconds."""

    def __init__(self, threshold: int, window: float, block: float) -> None:
        self._recent = SlidingWindow(threshold, window)
        self._block = block
        self._blocked_until: dict[str, float] = {}

    def allow(self, client: str, now: float) -> bool:
        if self._blocked_until.get(client, float("-inf")) > now:
            return False
        if not self._recent.allow(client, now):
            self._blocked_until[client] = now + self._block
            return False
        return True
