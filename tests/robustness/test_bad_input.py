"""Wrong usage of the command line: one ``error:`` line, a non-zero exit, and the database unchanged.

Each case runs against a copy of the clean reference database and compares its digest before and
after, so "refused" also means "touched no data".
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine, make_url
from typer.testing import CliRunner

from darkhorses.cli import app
from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade
from darkhorses.db.schema import dh_locks
from darkhorses.ops.digest import database_digest

from .conftest import Reference
from .harness import TODAY, Sandbox

runner = CliRunner()


@pytest.fixture
def copy(reference: Reference, simulator: str, tmp_path: Path) -> Iterator[tuple[Sandbox, Engine]]:
    """A copy of the reference database and the sandbox (environment) that uses it."""
    path = tmp_path / "copy.db"
    with sqlite3.connect(make_url(reference.database_url).database or "") as source, sqlite3.connect(path) as target:
        source.backup(target)  # WAL included
    engine = make_engine(f"sqlite:///{path}")
    yield Sandbox(f"sqlite:///{path}", tmp_path, simulator), engine
    engine.dispose()


def _refused(sandbox: Sandbox, engine: Engine, args: list[str], code: int, message: str, **env: str) -> str:
    before = database_digest(engine)
    result = runner.invoke(app, args, env={**sandbox.env(), **env})
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == code, result.stdout + result.stderr
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == lines[-1], result.stderr
    assert message in errors[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert database_digest(engine) == before
    return errors[0]


def _day(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(("args", "message"), [
    (["fetch", "--mode", "sideways"], "unknown mode 'sideways'"),
    (["fetch", "--mode", "manual", "--tables", "ra_nonsense", "--days-back", "1"], "unknown table 'ra_nonsense'"),
    (["populate", "--table", "ra_nonsense"], "unknown table 'ra_nonsense'"),
    (["fetch", "--mode", "manual", "--start-date", "2025-13-40"], "--start-date must be a date"),
    (["fetch", "--mode", "manual", "--start-date", "yesterday"], "--start-date must be a date"),
    (["fetch", "--mode", "manual", "--start-date", _day(-3), "--end-date", _day(-9)], "is after --end-date"),
    (["fetch", "--mode", "manual", "--start-date", _day(20), "--end-date", _day(30)], "beyond the API's window"),
    (["fetch", "--mode", "manual", "--days-back", "-3"], "--days-back must be 0 or more"),
    (["fetch", "--mode", "daily", "--racecard-days", "9"], "at most 7 days ahead"),
])
def test_wrong_usage(copy: tuple[Sandbox, Engine], args: list[str], message: str) -> None:
    _refused(*copy, args, 2, message)


@pytest.mark.parametrize(("env", "code", "message"), [
    ({"RACING_API_PASSWORD": ""}, 2, "no Racing API credentials"),
    ({"RACING_API_PASSWORD": "not-the-password"}, 2, "refused the credentials"),
    ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, 2, "cannot open database"),
    ({"DATABASE_URL": "mysql://somewhere/db"}, 2, "unsupported scheme"),
])
def test_unusable_settings(copy: tuple[Sandbox, Engine], env: dict[str, str], code: int, message: str) -> None:
    error = _refused(*copy, ["fetch", "--mode", "manual", "--tables", "results", "--days-back", "8"], code, message,
                     **env)
    assert "not-the-password" not in error


def test_read_only_sqlite_database(copy: tuple[Sandbox, Engine]) -> None:
    sandbox, engine = copy
    read_only = f"sqlite:///file:{make_url(sandbox.database_url).database}?mode=ro&uri=true"
    _refused(sandbox, engine, ["fetch", "--mode", "manual", "--tables", "results", "--days-back", "8"], 2,
             "cannot write to database", DATABASE_URL=read_only)


@pytest.mark.postgres
def test_postgresql_role_that_may_only_read(postgres_engine: Engine, postgres_url: str, simulator: str,
                                            tmp_path: Path) -> None:
    upgrade(postgres_engine)
    schema = postgres_engine.url.query["options"].split("=", 1)[1]
    role = f"reader_{uuid.uuid4().hex[:8]}"
    with postgres_engine.begin() as connection:
        connection.execute(text(f'CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA "{schema}" TO {role}; '
                                f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}'))
    try:
        url = postgres_engine.url.set(username=role, password=None).render_as_string(hide_password=False)
        _refused(Sandbox(url, tmp_path, simulator), postgres_engine,
                 ["fetch", "--mode", "manual", "--tables", "results", "--days-back", "8"], 2, "cannot write to database")
    finally:
        with postgres_engine.begin() as connection:
            connection.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {role}; '
                                    f'REVOKE USAGE ON SCHEMA "{schema}" FROM {role}; DROP ROLE {role}'))


def test_a_second_fetch_while_one_runs(copy: tuple[Sandbox, Engine]) -> None:
    sandbox, engine = copy
    holder = f"{socket.gethostname()} pid {os.getppid()}"  # a live process holds the lock
    with engine.begin() as connection:
        now = dt.datetime.now(dt.timezone.utc)
        connection.execute(insert(dh_locks).values(name="fetch", holder=holder, acquired_at=now, heartbeat_at=now))
    _refused(sandbox, engine, ["fetch", "--mode", "manual", "--tables", "results", "--days-back", "8"], 3,
             "another fetch is running")
