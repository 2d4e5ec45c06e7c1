"""The fetch lock: a live holder refuses a second fetch; a holder that was killed is taken over."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from darkhorses.db.schema import dh_locks, dh_runs
from darkhorses.db.locks import LockHeld, lock_holder
from darkhorses.ingest.fetchlock import fetch_lock


def _now() -> dt.datetime:
    """Now, when the test runs: a time taken at import would age past the 15-minute stale limit in a long suite."""
    return dt.datetime.now(dt.timezone.utc)


def _dead_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    return int(child.stdout)


def _held_by(engine: Engine, holder: str, heartbeat: dt.datetime | None = None) -> None:
    heartbeat = heartbeat or _now()
    with engine.begin() as connection:
        connection.execute(insert(dh_locks).values(name="fetch", holder=holder, acquired_at=heartbeat,
                                                   heartbeat_at=heartbeat))


def _holder(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(select(dh_locks.c.holder))


def test_lock_of_a_killed_process_on_this_host_is_taken_over_and_its_run_marked(engine: Engine) -> None:
    pid = _dead_pid()
    host = socket.gethostname()
    _held_by(engine, f"{host} pid {pid}")
    with engine.begin() as connection:
        connection.execute(insert(dh_runs).values(command="fetch", mode="backfill", status="running",
                                                  started_at=_now(), pid=pid, host=host))
        connection.execute(insert(dh_runs).values(command="fetch", mode="daily", status="running",
                                                  started_at=_now(), pid=pid, host="elsewhere"))
    with fetch_lock(engine, lock_holder()):
        assert _holder(engine) == lock_holder()
    assert _holder(engine) is None
    with engine.connect() as connection:
        runs = dict(connection.execute(select(dh_runs.c.host, dh_runs.c.status)).all())
    assert runs == {host: "interrupted", "elsewhere": "running"}


@pytest.mark.parametrize("kind", ["live process on this host", "other host", "unparseable"])
def test_a_live_or_uncheckable_holder_keeps_the_lock(engine: Engine, kind: str) -> None:
    holder = {
        "live process on this host": f"{socket.gethostname()} pid {os.getppid()}",
        "other host": f"another-host pid {_dead_pid()}",  # cannot be checked from here: trust its heartbeat
        "unparseable": "a holder written by an older version",
    }[kind]
    _held_by(engine, holder)
    with pytest.raises(LockHeld, match="another fetch is running"), fetch_lock(engine, lock_holder()):
        pass
    assert _holder(engine) == holder


def test_a_silent_holder_loses_the_lock_after_15_minutes(engine: Engine) -> None:
    _held_by(engine, "another-host pid 1", heartbeat=_now() - dt.timedelta(minutes=16))
    with fetch_lock(engine, lock_holder()):
        assert _holder(engine) == lock_holder()
