"""One fetch per database: the lock, and what taking over a dead holder's lock says about its run."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager

from sqlalchemy import update
from sqlalchemy.engine import Connection, Engine

from darkhorses.db.locks import database_lock
from darkhorses.db.schema import dh_runs

LOCK_STALE_AFTER = dt.timedelta(minutes=15)


def _mark_interrupted(connection: Connection, host: str, pid: str, now: dt.datetime) -> None:
    """A killed fetch never finished its run row: say so, so status and health tell the truth."""
    connection.execute(
        update(dh_runs)
        .where(dh_runs.c.status == "running", dh_runs.c.host == host, dh_runs.c.pid == int(pid))
        .values(status="interrupted", success=False, finished_at=now, error="the process ended before the run finished")
    )


def fetch_lock(engine: Engine, holder: str) -> AbstractContextManager[None]:
    """One fetch per database (see :mod:`darkhorses.db.locks`)."""
    return database_lock(engine, "fetch", holder, stale_after=LOCK_STALE_AFTER, on_take_over=_mark_interrupted)
