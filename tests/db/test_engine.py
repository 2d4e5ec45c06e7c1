"""SQLite transactions of writers take the write lock when they begin, so writers take turns.

A plain SQLite transaction that reads and then writes fails at once ("database is locked") if
another process committed in between; a writer's transaction holds the lock from its start.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from darkhorses.db.engine import for_writing, make_engine


def _setup(tmp_path: Path) -> Path:
    path = tmp_path / "x.db"
    with make_engine(f"sqlite:///{path}").begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    return path


def _other_process_writes(path: Path) -> None:
    with sqlite3.connect(path, timeout=0) as other:  # no waiting: tell us at once if locked
        other.execute("INSERT INTO t VALUES (1)")


def test_a_plain_transaction_that_read_first_cannot_write_after_another_commit(tmp_path: Path) -> None:
    path = _setup(tmp_path)
    with pytest.raises(OperationalError, match="database is locked"):
        with make_engine(f"sqlite:///{path}").begin() as connection:
            connection.execute(text("SELECT count(*) FROM t")).scalar()
            _other_process_writes(path)
            connection.execute(text("INSERT INTO t VALUES (2)"))


def test_a_writer_holds_the_lock_from_its_first_statement(tmp_path: Path) -> None:
    path = _setup(tmp_path)
    with for_writing(make_engine(f"sqlite:///{path}")).begin() as connection:
        connection.execute(text("SELECT count(*) FROM t")).scalar()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            _other_process_writes(path)  # the other writer would wait its turn
        connection.execute(text("INSERT INTO t VALUES (2)"))
    _other_process_writes(path)
    with make_engine(f"sqlite:///{path}").connect() as connection:
        assert connection.execute(text("SELECT x FROM t ORDER BY rowid")).scalars().all() == [2, 1]
