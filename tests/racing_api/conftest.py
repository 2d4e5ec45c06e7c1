"""Shared helpers: a fake Racing API over ``httpx.MockTransport`` serving the recorded bodies.

``FakeApi`` answers each path with queued responses (a recorded fixture, a status, headers) and
keeps every request, so tests assert exactly what was sent: path, query string, headers.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from darkhorses.config import Settings
from darkhorses.racing_api import RacingApiClient, VirtualClock

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "api"
USERNAME = "user-7Hq2ZkP9"
PASSWORD = "pw-Xc81LmQa4RtY"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> Any:
    return json.loads(fixture_text(name))


Responder = Callable[[httpx.Request], httpx.Response]


class FakeApi:
    """Routes ``path`` → queue of responses (the last one repeats); records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, deque[Responder]] = defaultdict(deque)
        self.requests: list[httpx.Request] = []

    def add(self, path: str, body: Any = None, *, status: int = 200, headers: dict[str, str] | None = None,
            fixture: str | None = None) -> FakeApi:
        text = fixture_text(fixture) if fixture else json.dumps(body)
        self.routes[path].append(lambda request: httpx.Response(status, text=text, headers=headers or {}))
        return self

    def add_handler(self, path: str, responder: Responder) -> FakeApi:
        self.routes[path].append(responder)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get(request.url.raw_path.decode().split("?")[0])
        if not queue:
            return httpx.Response(404, json={"detail": "Not Found"})
        responder = queue.popleft() if len(queue) > 1 else queue[0]
        return responder(request)

    @property
    def queries(self) -> list[str]:
        """``path?query`` of every request, as sent on the wire."""
        return [f"{r.url.path}?{r.url.query.decode()}" if r.url.query else r.url.path for r in self.requests]


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "racing_api_username": USERNAME,
        "racing_api_password": PASSWORD,
        "racing_api_base_url": "https://racing-api.invalid",
        "racing_api_plan": "pro",
        "archive_enabled": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def fake() -> FakeApi:
    return FakeApi()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def make_client(fake: FakeApi, clock: VirtualClock) -> Callable[..., RacingApiClient]:
    """Build a client on the fake API and the virtual clock; keyword arguments override either."""
    made: list[RacingApiClient] = []

    def build(settings: Settings | None = None, **options: Any) -> RacingApiClient:
        options.setdefault("transport", httpx.MockTransport(fake))
        options.setdefault("clock", clock)
        options.setdefault("jitter", lambda: 0.5)
        client = RacingApiClient.from_settings(settings or make_settings(), **options)
        made.append(client)
        return client

    return build


@pytest.fixture
def client(make_client: Callable[..., RacingApiClient]) -> RacingApiClient:
    return make_client()
