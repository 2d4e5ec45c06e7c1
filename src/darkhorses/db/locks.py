"""Named locks in ``dh_locks``: one fetch and one worker per database, across processes and hosts.

A lock row names its holder (``<host> pid <pid>``) and carries a heartbeat. It is free again when
the heartbeat is older than the caller's ``stale_after``, or at once when the holder was a
process on this host that no longer exists, so a process killed with SIGKILL (an OOM kill, a
container stop) can be resumed straight away instead of after the stale period.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from darkhorses.db.engine import describe
from darkhorses.db.schema import dh_locks
from darkhorses.db.upsert import upsert
from darkhorses.errors import DarkHorsesError, DatabaseError

log = logging.getLogger(__name__)

TakeOver = Callable[[Connection, str, str, dt.datetime], None]
"""Called as ``(connection, host, pid, now)`` when a dead holder's lock is taken over."""


class LockHeld(DarkHorsesError):
    """Another live process holds this lock on the database."""

    exit_code = 3


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def lock_holder() -> str:
    """This process as a lock holder, ``<host> pid <pid>``; :func:`_holder_is_gone` reads it back."""
    return f"{socket.gethostname()} pid {os.getpid()}"


def _holder_is_gone(holder: str) -> bool:
    """True when ``holder`` ran on this host and its process has ended (killed, crashed).

    Only a process on this host can be checked; a holder elsewhere stays until its heartbeat is
    stale. A reused pid keeps the lock too, which errs on the safe side.
    """
    host, separator, pid = holder.rpartition(" pid ")
    if not separator or host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _acquire(engine: Engine, name: str, holder: str, stale_after: dt.timedelta, on_take_over: TakeOver | None) -> str:
    """Claim the lock unless a live holder has it; returns the lock's holder either way."""
    now = _now()
    try:
        with engine.begin() as connection:
            connection.execute(delete(dh_locks).where(dh_locks.c.name == name, dh_locks.c.heartbeat_at < now - stale_after))
            current = connection.scalar(select(dh_locks.c.holder).where(dh_locks.c.name == name))
            if current is not None and current != holder and _holder_is_gone(current):
                log.warning("taking over the %s lock of %s, which is no longer running", name, current)
                connection.execute(delete(dh_locks).where(dh_locks.c.name == name, dh_locks.c.holder == current))
                if on_take_over is not None:
                    host, _, pid = current.rpartition(" pid ")
                    on_take_over(connection, host, pid, now)
            upsert(connection, dh_locks, [{"name": name, "holder": holder, "acquired_at": now, "heartbeat_at": now}],
                   update_existing=False)
            owner = connection.execute(
                select(dh_locks.c.holder, dh_locks.c.acquired_at).where(dh_locks.c.name == name)).one()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(f"cannot write to database {describe(engine.url)}: {reason}") from None
    if owner.holder != holder:
        raise LockHeld(f"another {name} is running on this database ({owner.holder}, since "
                       f"{owner.acquired_at:%Y-%m-%d %H:%M} UTC); wait for it to finish, or stop it")
    return owner.holder


@contextmanager
def database_lock(
    engine: Engine, name: str, holder: str, *, stale_after: dt.timedelta, on_take_over: TakeOver | None = None
) -> Iterator[None]:
    """Hold lock ``name`` for the block, or raise :class:`LockHeld` naming the live holder."""
    _acquire(engine, name, holder, stale_after, on_take_over)
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(delete(dh_locks).where(dh_locks.c.name == name, dh_locks.c.holder == holder))


def heartbeat(engine: Engine, name: str, holder: str) -> bool:
    """Refresh the lock's heartbeat; False when ``holder`` no longer holds it (it was taken over)."""
    with engine.begin() as connection:
        return beat(connection, name, holder)


def beat(connection: Connection, name: str, holder: str) -> bool:
    """:func:`heartbeat` inside the caller's transaction (a fetch beats with each unit it commits)."""
    touched = connection.execute(
        update(dh_locks).where(dh_locks.c.name == name, dh_locks.c.holder == holder).values(heartbeat_at=_now())
    ).rowcount
    return touched == 1
