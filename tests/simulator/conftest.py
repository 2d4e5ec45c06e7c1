"""Shared fixtures: simulator apps on a fixed date and clock, ASGI clients, schema validators."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from darkhorses.simulator import SimulatorConfig, create_app
from darkhorses.london import LONDON

TODAY = dt.date(2025, 10, 20)
# Late evening: every race of TODAY has been run and published.
NOW = dt.datetime(2025, 10, 20, 23, 30, tzinfo=LONDON)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "api"


def fixture_body(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def make_config(**overrides: Any) -> SimulatorConfig:
    settings: dict[str, Any] = {"seed": 1, "today": TODAY, "now": lambda: NOW}
    settings.update(overrides)
    return SimulatorConfig(**settings)


def asgi_client(app: Any, auth: tuple[str, str] | None = ("demo", "demo")) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim", auth=auth)


@pytest.fixture(scope="session")
def app_2026() -> Any:
    return create_app(make_config())


@pytest.fixture(scope="session")
def app_2025() -> Any:
    return create_app(make_config(dialect="2025"))


@pytest.fixture
async def client(app_2026: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app_2026) as c:
        yield c


@pytest.fixture
async def client_2025(app_2025: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app_2025) as c:
        yield c


def _spec(dialect: str) -> dict[str, Any]:
    text = resources.files("darkhorses.simulator").joinpath(f"data/openapi-{dialect}-responses.json").read_text()
    return json.loads(text)


_VALIDATORS: dict[tuple[str, str], Draft202012Validator] = {}


def validator_for(dialect: str, path: str) -> Draft202012Validator:
    """The 200-response schema of ``path`` (an OpenAPI template) in the dialect's spec."""
    key = (dialect, path)
    if key not in _VALIDATORS:
        spec = _spec(dialect)
        schema = dict(spec["paths"][path], components=spec["components"])
        _VALIDATORS[key] = Draft202012Validator(schema)
    return _VALIDATORS[key]


@pytest.fixture
def assert_valid() -> Callable[[str, str, Any], None]:
    def check(dialect: str, path: str, body: Any) -> None:
        errors = sorted(validator_for(dialect, path).iter_errors(body), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])

    return check
