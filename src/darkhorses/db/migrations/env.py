"""Alembic environment: run migrations on the connection DarkHorses hands over.

There is no alembic.ini: ``darkhorses db upgrade`` (see :mod:`darkhorses.db.migrate`) builds the
configuration in code and passes an open connection, so the same URL handling, SQLite pragmas and
error messages apply to migrations as to everything else.
"""

from __future__ import annotations

from alembic import context

from darkhorses.db.schema import metadata


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render our own column types by import path so revisions stay self-contained."""
    module = type(obj).__module__
    if type_ == "type" and module == "darkhorses.db.types":
        autogen_context.imports.add("import darkhorses.db.types")  # type: ignore[attr-defined]
        return f"darkhorses.db.types.{type(obj).__name__}()"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
