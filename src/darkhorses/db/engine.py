"""Open the database named by ``DATABASE_URL``, or say in one line why it cannot be opened.

SQLite is set up for a pipeline that writes while others read (WAL, a busy timeout, foreign keys
enforced, real transactions around DDL); PostgreSQL goes through psycopg 3, with server-side
prepared statements off behind a transaction pooler (Supabase's port 6543), which cannot keep them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from darkhorses.errors import ConfigError, DatabaseError

_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg"}
_POOLER_PORT = 6543


def normalise_url(raw: str) -> URL:
    """Parse ``DATABASE_URL`` into a URL for a driver we ship (sqlite3 or psycopg 3)."""
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL is not a database URL: {_redact(raw)!r}; use sqlite:///path.db or postgresql://user@host/db"
        ) from None
    if url.drivername in _POSTGRES_SCHEMES:
        return url.set(drivername="postgresql+psycopg")
    if url.drivername in {"sqlite", "sqlite+pysqlite"}:
        return url.set(drivername="sqlite")
    raise ConfigError(
        f"DATABASE_URL has unsupported scheme {url.drivername!r}; use sqlite:///path.db or postgresql://user@host/db"
    )


def _redact(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        return raw.split("@")[-1]


def describe(url: URL) -> str:
    """A printable form of the URL with the password hidden."""
    return url.render_as_string(hide_password=True)


def _check_sqlite_path(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    if path.exists():
        if not os.access(path, os.W_OK):
            raise DatabaseError(f"cannot write SQLite database {path}: permission denied")
        return
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DatabaseError(f"cannot create SQLite database {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise DatabaseError(f"cannot create SQLite database {path}: directory {parent} is not writable")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that DDL
        # and savepoints are transactional too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_WRITER)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_WRITER = "darkhorses_writer"


def for_writing(engine: Engine) -> Engine:
    """The same engine, with SQLite transactions that take the write lock when they begin.

    A SQLite transaction that reads, then writes after another process committed, fails at once
    with "database is locked" (its snapshot is stale; waiting cannot help). Writers that begin
    with the lock wait their turn instead (up to the busy timeout), so a ``populate`` and a
    ``fetch`` on one file take turns. Readers keep plain transactions and never block a writer.
    PostgreSQL ignores the option.
    """
    return engine.execution_options(**{_WRITER: True})


def make_engine(raw_url: str, *, check: bool = True) -> Engine:
    """Create an engine for ``raw_url``; with ``check``, prove now that it can be opened."""
    url = normalise_url(raw_url)
    connect_args: dict[str, Any] = {}
    if url.drivername == "sqlite":
        _check_sqlite_path(url)
        connect_args["timeout"] = 30
    elif url.port == _POOLER_PORT or url.query.get("pgbouncer") == "true":
        connect_args["prepare_threshold"] = None
        url = url.difference_update_query(["pgbouncer"])
    else:
        connect_args["connect_timeout"] = 10
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=url.drivername != "sqlite")
    if url.drivername == "sqlite":
        _configure_sqlite(engine)
    if check:
        ping(engine)
    return engine


def ping(engine: Engine) -> None:
    """Open one connection, turning any driver failure into a one-line :class:`DatabaseError`."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise DatabaseError(f"cannot open database {describe(engine.url)}: {_first_line(exc)}") from None
    except SQLAlchemyError as exc:  # pragma: no cover - any other driver-level refusal
        raise DatabaseError(f"cannot use database {describe(engine.url)}: {_first_line(exc)}") from None


def _first_line(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__
