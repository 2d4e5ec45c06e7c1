"""A backfill through an unreliable, throttling API: same database as a clean run, or exactly the
failed units reported, which ``--retry-failed`` then completes. Nothing is skipped silently.

In process on a virtual clock shared by client and simulator: 5-minute cool-offs and slow
responses cost no real time, and the faults fall the same way on every run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import replace

import httpx
from sqlalchemy.engine import Engine

from darkhorses.ingest.controller import FetchOptions, run_fetch
from darkhorses.ops.digest import database_digest, differing
from darkhorses.racing_api.clock import VirtualClock
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.racing_api.retry import RetryPolicy
from darkhorses.simulator import FaultConfig, SimulatorConfig, create_app
from darkhorses.simulator.faults import Faults
from darkhorses.london import LONDON

from .conftest import Reference
from .harness import PASSWORD, SEED, USERNAME, ledger

VISIBLE = {"server_error": "5xx", "drop": "dropped", "truncate": "broken body", "invalid_json": "broken body"}
"""What the client sees of each fault kind (a slow response is only slow)."""


def seed_meeting_every_fault(rates: FaultConfig, first: int = 20, times: int = 2) -> FaultConfig:
    """``rates`` with the first fault seed whose first ``first`` requests meet each visible fault at
    least ``times`` times. The day the reference backfills depends on today's date, and a quiet day
    makes few requests, so a seed left to chance could miss a kind on some dates and not others."""
    for seed in range(1000):
        config = replace(rates, seed=seed)
        faults, met = Faults(config), Counter[str]()
        for _ in range(first):
            kind = faults.draw()
            if kind == "server_error":
                faults.server_error_status()  # draws from the same stream, as the simulator does
            if kind in VISIBLE:
                met[VISIBLE[kind]] += 1
        if all(met[seen] >= times for seen in set(VISIBLE.values())):
            return config
    raise AssertionError("no fault seed below 1000 meets every kind")


FAULTS = seed_meeting_every_fault(FaultConfig(server_error=0.04, slow=0.03, drop=0.03, truncate=0.03,
                                              invalid_json=0.03))
CLIENT_LIMITS = RateLimits(default=6, racecards=3, reference=2, global_=12, per_10s=100)
"""A little faster than the simulator allows (5/s, 2/s, 1/s; block above 80 in 10 s): 429 bursts."""


class Observed(httpx.AsyncBaseTransport):
    """The simulator in process, counting what reached the client: statuses, drops, broken bodies."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.inner = httpx.ASGITransport(app=create_app(config))
        self.seen: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self.inner.handle_async_request(request)
        except ConnectionError:
            self.seen["dropped"] += 1
            raise
        body = await response.aread()
        if response.status_code >= 500 or response.status_code == 429:
            self.seen[str(response.status_code)[0] + "xx" if response.status_code >= 500 else "429"] += 1
        else:
            try:
                json.loads(body)
            except ValueError:
                self.seen["broken body"] += 1
        return httpx.Response(response.status_code, headers=response.headers, content=body)


async def test_faulty_backfill_reports_failures_exactly_and_retry_failed_completes_it(
        engine: Engine, reference: Reference, sandbox_for, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    settings = sandbox_for(engine).settings()
    clock = VirtualClock()
    start = dt.datetime.combine(today, dt.time(12), LONDON)
    faulty = Observed(SimulatorConfig(
        seed=SEED, today=today, username=USERNAME, password=PASSWORD, faults=FAULTS, rate_limits_enabled=True,
        ip_block_threshold=80, now=lambda: start + dt.timedelta(seconds=clock.now()), sleep=clock.sleep))
    retry = RetryPolicy(max_attempts=3, backoff_base=0)

    report, run_file = await run_fetch(settings, reference.options(), engine=engine, transport=faulty,
                                       limiter=RateLimiter(CLIENT_LIMITS, clock), retry=retry, today=today)

    assert {"5xx", "429", "dropped", "broken body"} <= set(faulty.seen), faulty.seen
    assert max(clock.sleeps, default=0) >= retry.cooloff_seconds  # the cool-off was met and honoured
    units = ledger(engine)
    failed = {(f["job"], f["key"]) for f in report.failed}
    assert failed == {unit for unit, status in units.items() if status == "failed"}
    assert all(f["reason"] for f in report.failed)
    assert json.loads(run_file.read_text())["failed_units"] == report.failed
    assert set(units) <= set(reference.ledger)
    missing = set(reference.ledger) - set(units)  # only horses of a card or result that failed
    assert {job for job, _ in missing} <= {"horses"} and (not missing or failed & {u for u in units if u[0] != "horses"})

    clean = httpx.ASGITransport(app=create_app(SimulatorConfig(seed=SEED, today=today, username=USERNAME,
                                                               password=PASSWORD)))
    options = FetchOptions(**{**reference.options().__dict__, "retry_failed": True})
    retried, _ = await run_fetch(settings, options, engine=engine, transport=clean, today=today,
                                 limiter=RateLimiter(RateLimits.unlimited()))
    assert retried.success, retried.failed
    assert sum(retried.units_done.values()) >= len(failed)
    assert ledger(engine) == reference.ledger
    assert differing(database_digest(engine), reference.digest) == []
