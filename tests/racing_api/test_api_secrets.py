"""Credentials never reach logs, exception messages, archive records or reprs.

The fake server is hostile on purpose: it echoes the ``Authorization`` header and the user name
in its bodies, so redaction is exercised, not just the absence of a leak.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from darkhorses.racing_api import RacingApiClient, RacingApiError, RawArchive, SyncRacingApiClient
from darkhorses.racing_api.redact import Redactor

from .conftest import PASSWORD, USERNAME, FakeApi, make_settings

SECRETS = (USERNAME, PASSWORD)


def echo(status: int) -> Callable[[httpx.Request], httpx.Response]:
    def respond(request: httpx.Request) -> httpx.Response:
        auth = request.headers["authorization"]
        return httpx.Response(status, json={"detail": f"user {USERNAME} sent {auth} with password {PASSWORD}"})

    return respond


def assert_clean(text: str) -> None:
    token = httpx.BasicAuth(USERNAME, PASSWORD)._auth_header.split(" ", 1)[1]  # type: ignore[attr-defined]
    for secret in (*SECRETS, token):
        assert secret not in text


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 429, 500])
async def test_no_secret_in_errors_logs_or_archive(fake: FakeApi, make_client: Callable[..., RacingApiClient],
                                                   tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                   status: int) -> None:
    caplog.set_level(logging.DEBUG)
    archive = RawArchive(tmp_path)
    client = make_client(archive=archive)
    fake.add_handler("/v1/courses", echo(status))
    with pytest.raises(RacingApiError) as caught:
        await client.courses(["gb"])
    await client.aclose()
    assert_clean(str(caught.value))
    assert_clean(repr(caught.value))
    assert_clean(caplog.text)
    assert archive.path is not None
    archived = gzip.decompress(archive.path.read_bytes()).decode()
    assert "***" in archived and "/v1/courses" in archived
    assert_clean(archived)


async def test_a_2xx_body_echoing_secrets_is_redacted_before_parsing_and_archiving(
    fake: FakeApi, make_client: Callable[..., RacingApiClient], tmp_path: Path
) -> None:
    archive = RawArchive(tmp_path)
    client = make_client(archive=archive)
    fake.add("/v1/horses/hrs_1/standard", {"id": "hrs_1", "name": f"Horse of {USERNAME}"})
    horse = await client.horse_standard("hrs_1")
    await client.aclose()
    assert horse.name == "Horse of ***"
    assert_clean(gzip.decompress(archive.path.read_bytes()).decode())  # type: ignore[union-attr]


async def test_bad_payload_raw_text_is_redacted(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add_handler("/v1/courses", echo(200))
    with pytest.raises(RacingApiError) as caught:
        await client.courses()
    assert_clean(caught.value.raw)  # type: ignore[attr-defined]


def test_reprs_hold_no_secret() -> None:
    settings = make_settings()
    client = RacingApiClient.from_settings(settings, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    assert_clean(repr(client))
    assert_clean(repr(settings))
    assert_clean(str(settings.model_dump()))
    with SyncRacingApiClient.from_settings(settings, transport=httpx.MockTransport(lambda r: httpx.Response(200))) as api:
        assert_clean(repr(api))


def test_short_values_are_not_masked_so_racing_data_survives() -> None:
    redact = Redactor("demo", "demo")
    assert redact("Demolition Man, demo") == "Demolition Man, demo"
    assert "ZGVtbzpkZW1v" not in redact("Basic ZGVtbzpkZW1v")  # the Basic token is long enough
