"""A client on the simulator in this process: the offline Racing API with no port and no network,
for trying the Python API, the demo and tests."""

from __future__ import annotations

import datetime as dt

import httpx

from darkhorses.racing_api.limiter import RateLimits
from darkhorses.racing_api.sync import SyncRacingApiClient
from darkhorses.simulator.app import create_app
from darkhorses.simulator.config import SimulatorConfig

BASE_URL = "http://simulator"


def simulated_client(*, seed: int = 1, today: dt.date | None = None) -> SyncRacingApiClient:
    """A blocking client on a fresh simulated world (``seed``; ``today`` pins its calendar, by
    default today's date). It has a Pro account with the history add-on and no rate limits to
    keep, so a fetch runs as fast as the pipeline can write."""
    config = SimulatorConfig(seed=seed, today=today)
    return SyncRacingApiClient(username=config.username, password=config.password, base_url=BASE_URL,
                               plan=config.plan, history_addon=config.history_addon, limits=RateLimits.unlimited(),
                               transport=httpx.ASGITransport(app=create_app(config)))
