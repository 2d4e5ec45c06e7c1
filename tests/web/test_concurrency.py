"""The dashboard reads while a fetch writes: readers never block the writer, and never fail with
"database is locked" (SQLite in WAL mode), and the backfill numbers move as units land."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from darkhorses.db.migrate import upgrade
from darkhorses.ops.status import open_for_reading
from darkhorses.web.app import PAGES

from ..ops.conftest import TODAY
from .conftest import Client, seed_dashboard, url_of
from .live import LiveFetch


@pytest.fixture
def sqlite_db(sqlite_engine: Engine) -> Engine:
    upgrade(sqlite_engine)
    seed_dashboard(sqlite_engine)
    return sqlite_engine


def _writer(engine: Engine) -> sqlite3.Connection:
    """A second process's view: a plain sqlite3 connection that gives up at once when locked."""
    connection = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 0")
    return connection


async def test_pages_load_while_a_writer_holds_the_write_lock(sqlite_db: Engine, make_client: Client) -> None:
    writer = _writer(sqlite_db)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO dh_runs (command, mode, status, started_at) VALUES ('fetch', 'backfill', 'running', "
                   "'2025-10-20 11:59:00.000000')")
    client = make_client(url_of(sqlite_db))
    started = time.monotonic()
    for page in PAGES:
        assert (await client.get(page.path)).status_code == 200
        assert (await client.get(page.api)).json()["state"] == "ok"
    assert (await client.get("/metrics")).status_code == 200
    assert time.monotonic() - started < 20  # not waiting out the 30 s busy timeout
    assert (await client.get("/api/backfill")).json()["running"] == []  # not committed yet
    writer.execute("COMMIT")
    assert [run["mode"] for run in (await client.get("/api/backfill")).json()["running"]] == ["backfill"]


def test_a_reader_in_the_middle_of_a_page_does_not_block_the_writer(sqlite_db: Engine) -> None:
    reader = open_for_reading(url_of(sqlite_db))
    writer = _writer(sqlite_db)
    with reader.connect() as connection:
        connection.execute(text("SELECT count(*) FROM ra_mst_runners")).scalar_one()  # holds its snapshot
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE ra_mst_horses SET name = 'Renamed' WHERE id = 'hrs_1'")
        writer.execute("COMMIT")  # would raise "database is locked" if the reader blocked it
        assert connection.execute(text("SELECT name FROM ra_mst_horses WHERE id = 'hrs_1'")).scalar_one() == "One"
    with reader.connect() as connection:
        assert connection.execute(text("SELECT name FROM ra_mst_horses WHERE id = 'hrs_1'")).scalar_one() == "Renamed"
    assert writer.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def _results_done(client: object) -> int:
    data = (await client.get("/api/backfill")).json()  # type: ignore[attr-defined]
    assert data["state"] == "ok"
    return next((job["done"] for job in data["jobs"] if job["job"] == "results"), 0)


@pytest.mark.slow
async def test_the_backfill_numbers_move_while_a_fetch_writes(dashboard_db: Engine, make_client: Client,
                                                               tmp_path: Path) -> None:
    client = make_client(url_of(dashboard_db), clock=None)
    before = await _results_done(client)
    days = [TODAY - dt.timedelta(days=n) for n in range(12, 8, -1)]
    fetch = LiveFetch(dashboard_db, tmp_path, TODAY, days).start()
    seen = []
    for step in range(1, len(days) + 1):
        fetch.allow(1)  # one request: one day of results (fewer than a page of races)
        deadline = time.monotonic() + 60
        while (done := await _results_done(client)) < before + step and time.monotonic() < deadline:
            for page in PAGES:  # every page keeps loading while the fetch writes
                assert (await client.get(page.api)).status_code == 200
            await asyncio.sleep(0.02)
        seen.append(done)
        if step < len(days):  # the last unit ends the run
            assert [run["mode"] for run in (await client.get("/api/backfill")).json()["running"]] == ["manual"]
    report = fetch.finish()
    assert seen == [before + step for step in range(1, len(days) + 1)]
    assert report.units_done["results"] == len(days)
    assert (await client.get("/api/backfill")).json()["running"] == []
