"""Migrations produce exactly the schema in schema.py, and undo cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from darkhorses.db import migrate
from darkhorses.db.schema import metadata


def _drift(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_upgrade_head_gives_exactly_the_schema(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert _drift(empty_engine) == []
    assert migrate.current(empty_engine) == migrate.head()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_downgrade_to_base_removes_everything(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert migrate.current(empty_engine) is None
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}


def test_ensure_schema_is_idempotent(empty_engine: Engine) -> None:
    migrate.ensure_schema(empty_engine)
    migrate.ensure_schema(empty_engine)
    assert migrate.current(empty_engine) == migrate.head()
