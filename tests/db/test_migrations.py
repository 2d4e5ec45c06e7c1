"""Migrations produce exactly the schema in schema.py, and undo cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
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


def test_an_empty_database_is_created_from_the_schema_at_head(empty_engine: Engine) -> None:
    migrate.ensure_schema(empty_engine)
    assert migrate.current(empty_engine) == migrate.head()
    assert _drift(empty_engine) == []
    migrate.downgrade(empty_engine, "base")  # the migrations still apply to a created database
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}


def test_a_database_holding_other_tables_is_migrated_and_keeps_them(empty_engine: Engine) -> None:
    with empty_engine.begin() as connection:
        connection.execute(text("CREATE TABLE user_notes (note TEXT)"))
        connection.execute(text("INSERT INTO user_notes VALUES ('keep me')"))
    migrate.ensure_schema(empty_engine)
    assert migrate.current(empty_engine) == migrate.head()
    assert [diff for diff in _drift(empty_engine) if "user_notes" not in repr(diff)] == []
    with empty_engine.connect() as connection:
        assert connection.scalar(text("SELECT note FROM user_notes")) == "keep me"
