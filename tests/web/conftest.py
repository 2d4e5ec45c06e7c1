"""The dashboard's fixtures: the ops tests' small racing database plus what only the dashboard shows
(a quarantined record, a failed unit, a run that met 429s, computed statistics), and a client
that calls the app in process."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from darkhorses.db.schema import dh_quarantine, dh_runs, ra_mst_jockeys, ra_mst_sires
from darkhorses.web import create_app

from ..ops.conftest import NOW, add_failed_unit, add_rows, add_run, seed

SUMMARY = {
    "tables": {"ra_mst_races": 2, "ra_mst_runners": 5},
    "api_calls": {"/v1/results": 7, "/v1/horses/{horse_id}/pro": 3},
    "api_429s": {"/v1/results": 2},
    "api_retries": {"/v1/results": 2, "/v1/horses/{horse_id}/pro": 1},
}


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def seed_dashboard(engine: Engine) -> None:
    """The ops database, then: the daily run's summary with calls, 429s and retries; an older
    failed manual run; a failed unit and a quarantined record; sire and jockey statistics."""
    seed(engine)
    with engine.begin() as connection:
        connection.execute(update(dh_runs).values(summary=SUMMARY))
    add_run(engine, finished=NOW - dt.timedelta(days=1, hours=3), mode="manual", success=False,
            error="1 unit failed\nTraceback details")
    add_failed_unit(engine, "2025-10-19", NOW - dt.timedelta(hours=1), "The Racing API failed on /v1/results with 503")
    add_rows(engine, dh_quarantine, [{"job": "results", "partition_key": "2025-10-15", "record_key": "rac_bad",
                                      "reason": "position 'XYZ' is not a finishing position", "raw": "{}"}])
    add_rows(engine, ra_mst_sires, [
        {"id": "sir_1", "name": "Galileo (IRE)", "total_runners": 120, "total_wins": 30, "overall_win_percent": 25.0,
         "overall_ae_index": 1.12},
        {"id": "sir_2", "name": "Frankel (GB)", "total_runners": 80, "total_wins": 16, "overall_win_percent": 20.0},
        {"id": "sir_3", "name": "100% Pure", "total_runners": 2},
    ])
    with engine.begin() as connection:
        connection.execute(update(ra_mst_jockeys).values(total_rides=2, total_wins=1, win_rate=50.0))


@pytest.fixture
def dashboard_db(engine: Engine) -> Engine:
    seed_dashboard(engine)
    return engine


Client = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def make_client() -> AsyncIterator[Client]:
    """``make_client(database_url, token=...)``: an HTTP client for a fresh app, its clock at NOW."""
    clients: list[httpx.AsyncClient] = []

    def make(database_url: str, **options: object) -> httpx.AsyncClient:
        options.setdefault("clock", lambda: NOW)
        app = create_app(database_url, **options)  # type: ignore[arg-type]
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
