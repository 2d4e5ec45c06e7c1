"""Each status maps to one typed error with a message a user can act on; no retry where futile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest

from darkhorses.errors import ConfigError, DarkHorsesError
from darkhorses.racing_api import (
    AuthError,
    BadPayload,
    InvalidRequest,
    NotFound,
    PlanError,
    RacingApiClient,
    RateLimited,
    ServerError,
)

from .conftest import FakeApi, fixture_text, make_settings


async def test_401_on_an_endpoint_the_plan_includes_blames_the_credentials(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/racecards/pro", {"detail": "Not authenticated"}, status=401)
    with pytest.raises(AuthError) as caught:
        await client.racecards_pro(date(2025, 10, 13))
    message = str(caught.value)
    assert "refused the credentials for /v1/racecards/pro (401)" in message
    assert "plan 'pro' includes" in message and "RACING_API_USERNAME" in message
    assert caught.value.status == 401 and caught.value.exit_code == 2
    assert len(fake.requests) == 1


async def test_401_above_the_configured_plan_is_a_plan_error(fake: FakeApi, make_client: Callable[..., RacingApiClient]) -> None:
    client = make_client(make_settings(racing_api_plan="standard"))
    fake.add("/v1/racecards/pro", {"detail": "Not authenticated"}, status=401)
    with pytest.raises(PlanError, match=r"your plan \(standard\) does not include /v1/racecards/pro \(it needs pro\)"):
        await client.racecards_pro(date(2025, 10, 13))
    assert len(fake.requests) == 1


async def test_plan_error_names_the_template_not_the_id(fake: FakeApi, make_client: Callable[..., RacingApiClient]) -> None:
    client = make_client(make_settings(racing_api_plan="basic"))
    fake.add("/v1/horses/hrs_1/standard", {"detail": "Not authenticated"}, status=401)
    with pytest.raises(PlanError, match=r"does not include /v1/horses/\{horse_id\}/standard \(it needs standard\)"):
        await client.horse_standard("hrs_1")


async def test_403_is_an_auth_error_without_retry(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/courses", {"detail": "Forbidden"}, status=403)
    with pytest.raises(AuthError, match="403 Forbidden"):
        await client.courses()
    assert len(fake.requests) == 1


async def test_404_is_not_found_so_callers_can_fall_back(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add_handler("/v1/horses/hrs_9/pro", lambda r: httpx.Response(404, text=fixture_text("error_404_unknown_route.json")))
    fake.add("/v1/horses/hrs_9/standard", {"id": "hrs_9", "name": "Fallback"})
    try:
        horse = await client.horse_pro("hrs_9")
    except NotFound as exc:
        assert str(exc) == "The Racing API has nothing at /v1/horses/hrs_9/pro (404 Not Found)"
        horse = await client.horse_standard("hrs_9")
    assert horse.name == "Fallback"
    assert fake.queries == ["/v1/horses/hrs_9/pro", "/v1/horses/hrs_9/standard"]


async def test_422_reports_the_validation_detail(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add_handler(
        "/v1/jockeys/search",
        lambda r: httpx.Response(422, text=fixture_text("error_422_missing_required_query_param.json")),
    )
    with pytest.raises(InvalidRequest) as caught:
        await client.search("jockeys", "")
    assert str(caught.value) == "The Racing API rejected /v1/jockeys/search (422): query.name: field required"
    assert len(fake.requests) == 1


async def test_other_4xx_is_invalid_request_with_the_body_text(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add_handler("/v1/courses", lambda r: httpx.Response(400, text="bad region"))
    with pytest.raises(InvalidRequest, match=r"\(400\): bad region"):
        await client.courses(["xx"])


async def test_5xx_on_every_attempt_raises_server_error_after_five(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/results/rac_1", {"detail": "boom"}, status=502)
    with pytest.raises(ServerError, match="failed on /v1/results/rac_1 with 502 after 5 attempts"):
        await client.result("rac_1")
    assert len(fake.requests) == 5


async def test_broken_connections_on_every_attempt_raise_server_error(fake: FakeApi, client: RacingApiClient) -> None:
    """The server was reached each time (so it is up) but the exchange broke: five attempts.
    Connections that never reach it stop sooner (test_api_unreachable.py)."""
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("server disconnected", request=request)

    fake.add_handler("/v1/courses", broken)
    with pytest.raises(ServerError, match="could not get /v1/courses .* after 5 attempts: RemoteProtocolError"):
        await client.courses()
    assert len(fake.requests) == 5


async def test_a_dropped_connection_from_any_transport_is_retried(fake: FakeApi, client: RacingApiClient) -> None:
    def drop(request: httpx.Request) -> httpx.Response:
        raise ConnectionResetError("peer went away")

    fake.add_handler("/v1/courses", drop).add("/v1/courses", fixture="courses.json")
    assert len(await client.courses()) == 2


async def test_429_on_every_attempt_raises_rate_limited(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/courses", {"detail": "Too Many Requests"}, status=429)
    with pytest.raises(RateLimited, match="429 Too Many Requests for /v1/courses after 5 attempts"):
        await client.courses()
    assert len(fake.requests) == 5


async def test_non_json_body_is_bad_payload_with_raw_text(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add_handler("/v1/courses", lambda r: httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(BadPayload) as caught:
        await client.courses()
    assert caught.value.raw == "<html>maintenance</html>" and caught.value.path == "/v1/courses"
    assert "/v1/courses" in str(caught.value)
    assert len(fake.requests) == 5  # a body that is not JSON at all is retried like a 5xx


async def test_a_non_json_glitch_then_a_good_body_succeeds(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add_handler("/v1/courses", lambda r: httpx.Response(200, text='{"courses": [{"id": "crs_1"'))
    fake.add("/v1/courses", fixture="courses.json")
    assert [c.id for c in await client.courses()] == ["crs_832", "crs_52"]
    assert len(fake.requests) == 2


async def test_json_that_does_not_fit_is_not_retried(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/courses", {"courses": [{"course": "No id"}], "total": 1})
    with pytest.raises(BadPayload, match=r"courses\.0\.id: Field required"):
        await client.courses()
    assert len(fake.requests) == 1


async def test_body_missing_a_required_id_is_bad_payload(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/racecards/rac_1/pro", {"course": "Ascot", "runners": [{"horse": "No Id"}]})
    with pytest.raises(BadPayload, match=r"/v1/racecards/rac_1/pro.*race_id: Field required \(and 1 more\)") as caught:
        await client.racecard_pro("rac_1")
    assert '"horse": "No Id"' in caught.value.raw


async def test_missing_credentials_fail_before_any_request() -> None:
    with pytest.raises(ConfigError, match="set RACING_API_USERNAME and RACING_API_PASSWORD"):
        RacingApiClient.from_settings(make_settings(racing_api_username=None))
    with pytest.raises(ConfigError, match="give a username and a password"):
        RacingApiClient(username="someone", password="")


def test_every_error_is_a_darkhorses_error() -> None:
    for error in (AuthError, PlanError, NotFound, InvalidRequest, RateLimited, ServerError, BadPayload):
        assert issubclass(error, DarkHorsesError)
