"""The ``darkhorses`` command line. Thin by design: parse flags, call the Python API, print.

Every expected failure is a :class:`~darkhorses.errors.DarkHorsesError`; the group below turns it
into one line on stderr and the error's exit code, never a traceback.
"""

from __future__ import annotations

from typing import Annotated

import click
import typer
from typer.core import TyperGroup

from darkhorses import __version__
from darkhorses.errors import DarkHorsesError


class _FriendlyErrors(TyperGroup):
    """Turn expected errors into ``error: <message>`` and the error's exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DarkHorsesError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_FriendlyErrors,
    no_args_is_help=True,
    add_completion=False,
    help="Keep a complete, current UK & Irish racing database from The Racing API.",
)
db_app = typer.Typer(no_args_is_help=True, help="Create and migrate the database schema.")
app.add_typer(db_app, name="db")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"darkhorses {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Keep a complete, current UK & Irish racing database from The Racing API."""
