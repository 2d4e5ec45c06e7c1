"""The fetch path runs one way: client -> ingest -> db. Nothing imports or calls back against it.

The client returns pages (body and envelope) and models; ingest turns them into rows and writes
them. A client that imported ingest, or took a function from its caller to run on each body, would
tie the two together again, so both are pinned here by reading the source, not by running it.
"""

from __future__ import annotations

import ast
import inspect
import typing
from pathlib import Path

import pytest

from darkhorses.racing_api.client import RacingApiClient

SRC = Path(__file__).parents[1] / "src" / "darkhorses"
DOWNSTREAM = ("darkhorses.ingest", "darkhorses.db", "darkhorses.stats", "darkhorses.ops", "darkhorses.web",
              "darkhorses.cli", "darkhorses.demo")
"""What the client must never import: everything that consumes what it fetches."""


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (relative imports resolved)."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("module", sorted(p.name for p in (SRC / "racing_api").glob("*.py")))
def test_no_module_of_the_client_imports_what_consumes_it(module: str) -> None:
    imported = _imports(SRC / "racing_api" / module)
    assert sorted(name for name in imported if name.startswith(DOWNSTREAM)) == []


@pytest.mark.parametrize("module", sorted(p.name for p in (SRC / "db").rglob("*.py")))
def test_the_database_layer_imports_no_fetch_code(module: str) -> None:
    path = next((SRC / "db").rglob(module))
    imported = _imports(path)
    fetch_code = sorted(name for name in imported if name.startswith(("darkhorses.ingest", "darkhorses.racing_api")))
    # The endpoints module is the API contract's facts (paths, owners of columns), not fetch code.
    assert [name for name in fetch_code if not name.startswith("darkhorses.racing_api.endpoints")] == []


def test_the_importer_sees_imports_inside_functions() -> None:
    """The checks above would pass vacuously if they missed a lazy import (``Database.card`` has one)."""
    assert "darkhorses.ops.card.build_card" in _imports(SRC / "database.py")


def _callable_parameters(function: typing.Callable[..., object]) -> list[str]:
    hints = typing.get_type_hints(function)
    return [name for name, hint in hints.items()
            if name != "return" and ("Callable" in str(hint) or "Awaitable" in str(hint))]


def test_the_client_takes_no_callbacks() -> None:
    """No public method takes a function to run on what it fetched (the old ``read_racecards_pro(read, ...)``):
    a caller gets pages or models back and does its own work with them."""
    methods = {name: member for name, member in inspect.getmembers(RacingApiClient, inspect.isfunction)
               if not name.startswith("_")}
    assert {"racecards_pro_pages", "results_pages", "racecards_pro", "results"} <= set(methods)
    assert {name: _callable_parameters(method) for name, method in methods.items()
            if _callable_parameters(method)} == {}
