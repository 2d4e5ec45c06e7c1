"""Fixtures of the robustness suite: one loopback simulator and one clean reference run per module.

The reference is an uninterrupted in-process backfill of one quiet Irish race day into SQLite;
every crashed, faulted or concurrent run is compared with its digest and ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from darkhorses.db.engine import make_engine
from darkhorses.ingest.controller import FetchOptions, fetch
from darkhorses.ops.digest import TableDigest, database_digest
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.simulator import SimulatorConfig, serve_in_thread

from .harness import PASSWORD, SEED, TODAY, USERNAME, Sandbox, ledger, quiet_days

UNLIMITED = RateLimits.unlimited()


@dataclass(frozen=True)
class Reference:
    """The clean run: the day fetched, its digest, its ledger and its database URL."""

    day: dt.date
    digest: dict[str, TableDigest]
    ledger: dict[tuple[str, str], str]
    database_url: str

    def backfill_args(self) -> tuple[str, ...]:
        return ("fetch", "--mode", "backfill", "--start-date", self.day.isoformat(), "--end-date", self.day.isoformat())

    def options(self) -> FetchOptions:
        return FetchOptions(mode="backfill", start_date=self.day, end_date=self.day)


@pytest.fixture(scope="session")
def today() -> dt.date:
    return TODAY


@pytest.fixture(scope="session")
def simulator(today: dt.date) -> Iterator[str]:
    """The simulator on a free loopback port, today being the suite's fixed date."""
    with serve_in_thread(SimulatorConfig(seed=SEED, today=today, username=USERNAME, password=PASSWORD)) as url:
        yield url


@pytest.fixture(scope="session")
def reference(simulator: str, today: dt.date, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    root = tmp_path_factory.mktemp("reference")
    url = f"sqlite:///{root / 'clean.db'}"
    sandbox = Sandbox(url, root, simulator)
    day = quiet_days(SEED, today, "ire", 1)[0]
    options = FetchOptions(mode="backfill", start_date=day, end_date=day)
    report, _ = fetch(sandbox.settings(), options, limiter=RateLimiter(UNLIMITED), today=today)
    assert report.success, report.failed
    engine = make_engine(url)
    try:
        return Reference(day, database_digest(engine), ledger(engine), url)
    finally:
        engine.dispose()


@pytest.fixture
def sandbox_for(simulator: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """``sandbox_for(engine)``: a sandbox whose processes use ``engine``'s database."""

    def make(engine: Engine, **extra: str) -> Sandbox:
        return Sandbox(engine.url.render_as_string(hide_password=False), tmp_path, simulator, extra=extra)

    return make
