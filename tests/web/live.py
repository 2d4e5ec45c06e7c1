"""A real fetch, against the in-process simulator, that runs in a thread one request at a time.

Every request waits for a permit the test hands out (:meth:`LiveFetch.allow`), so a test can
look at the dashboard while the fetch is between units, and the fetch writes while the dashboard
reads: the situation the SQLite WAL set-up must survive.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine

from darkhorses.config import load_settings
from darkhorses.ingest.controller import FetchOptions, FetchReport, run_fetch
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.simulator import SimulatorConfig, create_app


class Gated(httpx.AsyncBaseTransport):
    """Send each results request only once a permit is free (the fetch's check of the region
    codes goes straight through: it is not a unit)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, permits: threading.Semaphore) -> None:
        self.inner, self.permits = inner, permits

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v1/results"):
            await asyncio.to_thread(self.permits.acquire)
        return await self.inner.handle_async_request(request)


class LiveFetch:
    """``fetch --mode manual --tables results`` over ``days``, started in a thread, gated by the test."""

    def __init__(self, engine: Engine, tmp_path: Path, today: dt.date, days: list[dt.date]) -> None:
        self.engine, self.today, self.days = engine, today, days
        self.settings = load_settings(racing_api_username="demo", racing_api_password="demo",
                                      racing_api_base_url="http://simulator", racing_api_history_addon=True,
                                      database_url=engine.url.render_as_string(hide_password=False),
                                      log_dir=tmp_path / "logs", archive_enabled=False)
        self.permits = threading.Semaphore(0)
        self.report: FetchReport | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        app = create_app(SimulatorConfig(seed=1, today=self.today))
        options = FetchOptions(mode="manual", tables=("results",), start_date=min(self.days), end_date=max(self.days),
                               concurrency=1)
        try:
            self.report, _ = asyncio.run(run_fetch(
                self.settings, options, engine=self.engine, today=self.today,
                transport=Gated(httpx.ASGITransport(app=app), self.permits), limiter=RateLimiter(RateLimits.unlimited())))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread by finish()
            self.error = exc

    def start(self) -> LiveFetch:
        self.thread.start()
        return self

    def allow(self, requests: int) -> None:
        for _ in range(requests):
            self.permits.release()

    def finish(self, timeout: float = 120) -> FetchReport:
        self.allow(100_000)
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the fetch did not finish"
        if self.error is not None:
            raise self.error
        assert self.report is not None and self.report.success, self.report
        return self.report
