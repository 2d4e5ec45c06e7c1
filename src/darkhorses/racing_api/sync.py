"""A blocking facade over :class:`RacingApiClient` for code that is not async (the CLI).

It owns a private event loop and runs each call to completion on it, so the limiter, the
connection pool and the archive carry over between calls exactly as in the async client.
Concurrency is what keeps rate limits busy, so bulk fetching should use the async client.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from typing import Any

from darkhorses.config import Settings
from darkhorses.racing_api.client import RacingApiClient


class SyncRacingApiClient:
    """``with SyncRacingApiClient(settings) as api: api.courses(["gb"])`` — same methods, blocking."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        self._runner = asyncio.Runner()
        self.client = RacingApiClient(settings, **options)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if name.startswith("_") or not inspect.iscoroutinefunction(attribute):
            return attribute

        @functools.wraps(attribute)
        def blocking(*args: Any, **kwargs: Any) -> Any:
            return self._runner.run(attribute(*args, **kwargs))

        return blocking

    def __repr__(self) -> str:
        return f"SyncRacingApiClient({self.client!r})"

    def close(self) -> None:
        self._runner.run(self.client.aclose())
        self._runner.close()

    def __enter__(self) -> SyncRacingApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
