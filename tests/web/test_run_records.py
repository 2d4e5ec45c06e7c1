"""The API-usage page reads what a real fetch records: calls, 429 answers and retries per endpoint."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine

from darkhorses.ingest.controller import FetchOptions, run_fetch
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.racing_api.retry import RetryPolicy
from darkhorses.simulator import SimulatorConfig, create_app

from .conftest import Client, url_of
from .live import LiveFetch

TODAY = dt.date(2025, 10, 20)


class TooManyFirst(httpx.AsyncBaseTransport):
    """Answer the first ``count`` results requests with 429, then let everything through."""

    def __init__(self, inner: httpx.AsyncBaseTransport, count: int) -> None:
        self.inner, self.left = inner, count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/results" and self.left:
            self.left -= 1
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"detail": "slow down"})
        return await self.inner.handle_async_request(request)


async def test_429s_and_retries_reach_the_run_record_and_the_page(engine: Engine, tmp_path: Path,
                                                                  make_client: Client) -> None:
    settings = LiveFetch(engine, tmp_path, TODAY, [TODAY]).settings
    transport = TooManyFirst(httpx.ASGITransport(app=create_app(SimulatorConfig(seed=1, today=TODAY))), 2)
    report, run_file = await run_fetch(
        settings, FetchOptions(mode="manual", tables=("results",), start_date=TODAY - dt.timedelta(days=1),
                               end_date=TODAY - dt.timedelta(days=1)),
        engine=engine, transport=transport, limiter=RateLimiter(RateLimits.unlimited()),
        retry=RetryPolicy(backoff_base=0), today=TODAY)
    assert report.success
    recorded = json.loads(run_file.read_text())
    assert recorded["api_429s"] == {"/v1/results": 2} and recorded["api_retries"] == {"/v1/results": 2}
    calls = recorded["api_calls"]["/v1/results"]
    now = report.finished_at
    assert now is not None
    usage = (await make_client(url_of(engine), clock=lambda: now).get("/api/api-usage")).json()
    assert usage["runs_without_429_counts"] == 0
    assert usage["endpoints"] == [  # a new database's region codes are checked against the API's list first
        {"endpoint": "/v1/courses/regions", "api_calls": 1, "api_429s": 0, "api_retries": 0,
         "calls_per_day": [0] * 29 + [1]},
        {"endpoint": "/v1/results", "api_calls": calls, "api_429s": 2, "api_retries": 2,
         "calls_per_day": [0] * 29 + [calls]},
    ]
