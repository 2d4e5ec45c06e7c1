"""The blocking facade runs the same client on a private loop (for the CLI)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from darkhorses.racing_api import NotFound, SyncRacingApiClient, VirtualClock

from .conftest import FakeApi, make_settings


def test_sync_calls_share_one_client_and_raise_typed_errors(fake: FakeApi) -> None:
    fake.add("/v1/courses", fixture="courses.json")
    fake.add("/v1/results", {"results": [], "total": 0, "limit": 100, "skip": 0})
    with SyncRacingApiClient.from_settings(make_settings(), transport=httpx.MockTransport(fake), clock=VirtualClock()) as api:
        assert [c.id for c in api.courses(["gb"])] == ["crs_832", "crs_52"]
        assert api.results(date(2025, 10, 7), date(2025, 10, 7), region=["gb"]) == []
        with pytest.raises(NotFound):
            api.horse_pro("hrs_404")
        assert api.client.requests["/v1/courses"] == 1  # the async client underneath counts
    assert fake.queries[:2] == [
        "/v1/courses?region_codes=gb",
        "/v1/results?start_date=2025-10-07&end_date=2025-10-07&region=gb&limit=100&skip=0",
    ]
