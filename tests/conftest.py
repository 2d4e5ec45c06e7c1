"""Shared fixtures: a fresh database on each engine.

SQLite always runs. PostgreSQL runs against ``DARKHORSES_TEST_POSTGRES_URL`` or, failing that, a
local server on 127.0.0.1:5432; each test gets its own schema, dropped afterwards. Without a
server the PostgreSQL cases skip with the reason, unless ``DARKHORSES_REQUIRE_POSTGRES=1`` (CI),
where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade

FIXTURES = Path(__file__).parent / "fixtures"
_LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The admin URL of a reachable PostgreSQL server, or skip (fail under CI) with the reason."""
    url = os.environ.get("DARKHORSES_TEST_POSTGRES_URL") or _LOCAL_POSTGRES
    try:
        make_engine(url).dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server" here
        reason = f"PostgreSQL not reachable at {make_url(url).render_as_string(hide_password=True)}: {exc}"
        if os.environ.get("DARKHORSES_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


def _postgres_schema_url(admin_url: str, schema: str) -> str:
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine whose connections see only a fresh, empty schema of their own."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(_postgres_schema_url(postgres_url, schema))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest) -> Engine:
    """A fresh, empty database on each engine in turn."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A fresh database on each engine, migrated to head."""
    upgrade(empty_engine)
    return empty_engine
