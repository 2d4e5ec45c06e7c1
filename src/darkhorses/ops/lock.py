"""A named lock row in ``dh_locks``: one holder per database, taken over when its heartbeat stops.

The same pattern as the fetch lock (``ingest.controller.fetch_lock``), with a name and a
staleness of the caller's choosing, so that the worker can claim a database of its own while
fetches keep theirs. A crashed holder cannot keep a lock for ever: once its heartbeat is older
than ``stale_after`` the next claimant deletes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from darkhorses.db.schema import dh_locks
from darkhorses.db.upsert import upsert
from darkhorses.errors import DarkHorsesError


class LockHeld(DarkHorsesError):
    """Another process holds this lock on the database."""

    exit_code = 3


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@contextmanager
def database_lock(engine: Engine, name: str, holder: str, *, stale_after: dt.timedelta) -> Iterator[None]:
    """Hold lock ``name`` for the block, or raise :class:`LockHeld` naming the holder."""
    now = _now()
    with engine.begin() as connection:
        connection.execute(delete(dh_locks).where(dh_locks.c.name == name, dh_locks.c.heartbeat_at < now - stale_after))
        upsert(connection, dh_locks, [{"name": name, "holder": holder, "acquired_at": now, "heartbeat_at": now}],
               update_existing=False)
        owner = connection.execute(select(dh_locks.c.holder, dh_locks.c.acquired_at).where(dh_locks.c.name == name)).one()
    if owner.holder != holder:
        raise LockHeld(f"another {name} is running on this database ({owner.holder}, since "
                       f"{owner.acquired_at:%Y-%m-%d %H:%M} UTC); stop it first, or wait {stale_after} after it died")
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(delete(dh_locks).where(dh_locks.c.name == name, dh_locks.c.holder == holder))


def heartbeat(engine: Engine, name: str, holder: str) -> bool:
    """Refresh the lock's heartbeat; False when ``holder`` no longer holds it (it was taken over)."""
    with engine.begin() as connection:
        touched = connection.execute(
            update(dh_locks).where(dh_locks.c.name == name, dh_locks.c.holder == holder).values(heartbeat_at=_now())
        ).rowcount
    return touched == 1
