"""A dead API stops a run after a few connection failures in a row; refused credentials say what was sent.

Issue 15: with the API unreachable every unit was retried five times (42 s for a 7-day test, and a
backfill would grind through every unit), and the attempts were counted as API calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from darkhorses.racing_api import AuthError, RacingApiClient
from darkhorses.racing_api.errors import Unreachable

from .conftest import PASSWORD, USERNAME, FakeApi, fixture_text, make_settings


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text=fixture_text("regions.json"))


async def test_consecutive_connection_failures_stop_after_three_attempts(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add_handler("/v1/courses/regions", refused)
    with pytest.raises(Unreachable) as caught:
        await client.regions()
    assert str(caught.value) == ("cannot reach The Racing API at https://racing-api.invalid after 3 attempts "
                                 "(ConnectError); nothing more was tried; rerun the same command to resume")
    assert caught.value.exit_code == 4 and not caught.value.retryable
    assert len(fake.requests) == 3
    assert sum(client.requests.values()) == 0  # no request reached the API: none is an API call


async def test_concurrent_calls_share_the_count(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add_handler("/v1/courses/regions", refused)
    outcomes = await asyncio.gather(*(client.regions() for _ in range(8)), return_exceptions=True)
    assert all(isinstance(outcome, Unreachable) for outcome in outcomes)
    assert len(fake.requests) <= 8 + 2  # the first round of attempts, not five per call


async def test_an_answer_in_between_resets_the_count(fake: FakeApi, client: RacingApiClient) -> None:
    for handler in (refused, refused, ok, refused, refused, ok):
        fake.add_handler("/v1/courses/regions", handler)
    assert len(await client.regions()) == 2
    assert len(await client.regions()) == 2
    assert sum(client.requests.values()) == 2


async def test_a_read_timeout_is_not_unreachable(fake: FakeApi, client: RacingApiClient) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    for handler in (slow, slow, slow, ok):
        fake.add_handler("/v1/courses/regions", handler)
    assert len(await client.regions()) == 2


async def test_refused_credentials_say_which_username_and_where_from(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/courses/regions", {"detail": "Not authenticated"}, status=401)
    with pytest.raises(AuthError) as caught:
        await client.regions()
    message = str(caught.value)
    assert f"username starting {USERNAME[:3]!r} ({len(USERNAME)} characters)" in message
    assert "RACING_API_USERNAME and RACING_API_PASSWORD (environment or .env)" in message
    assert USERNAME not in message and PASSWORD not in message
    assert "simulate" not in message  # the real API: no simulator hint


async def test_refused_credentials_against_the_simulator_hint_at_its_credentials(
        fake: FakeApi, make_client: Callable[..., RacingApiClient]) -> None:
    client = make_client(make_settings(racing_api_base_url="http://127.0.0.1:8765"))
    fake.add("/v1/courses/regions", {"detail": "Not authenticated"}, status=401)
    with pytest.raises(AuthError) as caught:
        await client.regions()
    message = str(caught.value)
    assert "http://127.0.0.1:8765 is a local simulator, not The Racing API" in message
    assert "`darkhorses simulate` accepts --username/--password (default demo/demo)" in message
    assert "\n" not in message
