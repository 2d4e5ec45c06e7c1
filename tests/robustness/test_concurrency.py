"""Processes that overlap: two fetches, populate during a fetch, populate killed mid-way."""

from __future__ import annotations

import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from sqlalchemy.engine import Engine, make_url

from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade
from darkhorses.ops.digest import TableDigest, database_digest, differing
from darkhorses.stats.populate import populate

from .conftest import Reference
from .harness import Sandbox, done_units, ledger

pytestmark = pytest.mark.slow  # polls real fetch and populate processes

STATISTICS_TABLES = ("ra_mst_sires", "ra_mst_dams", "ra_mst_damsires", "ra_sire_stats", "ra_dam_stats",
                     "ra_damsire_stats", "ra_lineage", "ra_mst_jockeys", "ra_mst_trainers", "ra_mst_owners",
                     "ra_runner_statistics", "ra_performance_by_distance", "ra_performance_by_venue",
                     "ra_entity_combinations")


def _copy_of_reference(reference: Reference, path: Path) -> Engine:
    with sqlite3.connect(make_url(reference.database_url).database or "") as source, sqlite3.connect(path) as target:
        source.backup(target)
    return make_engine(f"sqlite:///{path}")


def _populated_reference(reference: Reference, path: Path, **options: object) -> dict[str, TableDigest]:
    engine = _copy_of_reference(reference, path)
    populate(engine, **options)  # type: ignore[arg-type]
    try:
        return database_digest(engine)
    finally:
        engine.dispose()


def test_a_second_fetch_is_refused_while_the_first_runs_and_the_database_ends_complete(
        sqlite_engine: Engine, reference: Reference, sandbox_for) -> None:  # type: ignore[no-untyped-def]
    upgrade(sqlite_engine)
    sandbox = sandbox_for(sqlite_engine)
    first, out = sandbox.start(*reference.backfill_args())
    while first.poll() is None and done_units(sqlite_engine) < 1:
        time.sleep(0.01)
    first.send_signal(signal.SIGSTOP)  # mid-run and holding the lock, however slow the second starts
    try:
        second = sandbox.run(*reference.backfill_args())
    finally:
        first.send_signal(signal.SIGCONT)
    assert second.code == 3 and "another fetch is running" in second.stderr, second
    assert first.wait(timeout=300) == 0, out.read_text()
    assert ledger(sqlite_engine) == reference.ledger
    assert differing(database_digest(sqlite_engine), reference.digest) == []


def test_populate_during_a_fetch_leaves_a_consistent_database(
        sqlite_engine: Engine, reference: Reference, sandbox_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    upgrade(sqlite_engine)
    sandbox = sandbox_for(sqlite_engine)
    fetching, out = sandbox.start(*reference.backfill_args())
    while fetching.poll() is None and done_units(sqlite_engine) < len(reference.ledger) // 3:
        time.sleep(0.01)
    during = sandbox.run("populate")
    assert fetching.wait(timeout=300) == 0, out.read_text()
    assert during.code == 0, during.stderr
    assert sandbox.run("populate").code == 0
    expected = _populated_reference(reference, tmp_path / "expected.db")
    digest = database_digest(sqlite_engine)
    assert differing(digest, expected) == []
    assert [name for name, table in digest.items() if table.duplicate_keys] == []


def test_killed_populate_leaves_each_table_whole_old_or_whole_new(
        reference: Reference, simulator: str, tmp_path: Path) -> None:
    old = _populated_reference(reference, tmp_path / "old.db", as_of=reference.day)
    new = _populated_reference(reference, tmp_path / "new.db")
    assert differing(old, new)  # the two versions differ, so a half-written table would show
    engine = _copy_of_reference(reference, tmp_path / "victim.db")
    populate(engine, as_of=reference.day)
    sandbox = Sandbox(f"sqlite:///{tmp_path / 'victim.db'}", tmp_path, simulator)
    started = time.monotonic()
    assert sandbox.run("populate", "--as-of", reference.day.isoformat()).code == 0  # how long a whole run takes
    duration = time.monotonic() - started
    rng = random.Random(5)
    for _ in range(3):
        process, _ = sandbox.start("populate")
        time.sleep(rng.uniform(0.3, 1.0) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        digest = database_digest(engine)
        torn = [name for name in STATISTICS_TABLES if digest[name] not in (old[name], new[name])]
        assert torn == []
        assert differing(digest, old) == [] or set(differing(digest, old)) <= set(STATISTICS_TABLES)
    engine.dispose()
