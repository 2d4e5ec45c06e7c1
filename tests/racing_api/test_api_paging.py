"""Paging reads to ``skip >= total``, never stops at page one, and splits date ranges at the cap."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from darkhorses.racing_api import BadPayload, InvalidRequest, RacingApiClient
from darkhorses.racing_api.paging import BodyPage, collect_date_range, fits_skip_cap, read_envelope, spans

from .conftest import FakeApi


def races(prefix: str, count: int) -> list[dict[str, object]]:
    return [{"race_id": f"rac_{prefix}_{i}", "runners": []} for i in range(count)]


def paged(items: list[dict[str, object]], key: str = "results") -> Callable[[httpx.Request], httpx.Response]:
    """A server honouring limit/skip over ``items``."""

    def respond(request: httpx.Request) -> httpx.Response:
        args = parse_qs(request.url.query.decode())
        limit, skip = int(args["limit"][0]), int(args["skip"][0])
        return httpx.Response(200, json={key: items[skip : skip + limit], "total": len(items), "limit": limit,
                                         "skip": skip, "query": []})

    return respond


async def test_results_pages_until_skip_reaches_total(fake: FakeApi, client: RacingApiClient) -> None:
    everything = races("d", 250)
    fake.add_handler("/v1/results", paged(everything))
    got = await client.results(date(2025, 10, 7), date(2025, 10, 7), region=["gb", "ire"])
    base = "/v1/results?start_date=2025-10-07&end_date=2025-10-07&region=gb&region=ire&limit=100"
    assert fake.queries == [f"{base}&skip=0", f"{base}&skip=100", f"{base}&skip=200"]
    assert [r.race_id for r in got] == [r["race_id"] for r in everything]


async def test_a_server_that_pages_by_fewer_items_than_asked_loses_nothing(fake: FakeApi, client: RacingApiClient) -> None:
    everything = races("d", 120)

    def stingy(request: httpx.Request) -> httpx.Response:  # the 2025 build capped results at 50
        skip = int(parse_qs(request.url.query.decode())["skip"][0])
        return httpx.Response(200, json={"results": everything[skip : skip + 50], "total": 120, "limit": 50, "skip": skip})

    fake.add_handler("/v1/results", stingy)
    got = await client.results(date(2025, 10, 7), date(2025, 10, 7))
    assert [q.rsplit("skip=", 1)[1] for q in fake.queries] == ["0", "50", "100"]
    assert len(got) == 120 and len({r.race_id for r in got}) == 120


async def test_an_empty_page_before_total_fails_loudly(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/results", {"results": races("d", 100), "total": 150, "limit": 100, "skip": 0})
    fake.add("/v1/results", {"results": [], "total": 150, "limit": 100, "skip": 100})
    with pytest.raises(BadPayload, match="skip=100 came back empty although total is 150"):
        await client.results(date(2025, 10, 7), date(2025, 10, 7))


async def test_racecards_pro_pages_with_limit_500(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add_handler("/v1/racecards/pro", paged(races("c", 730), key="racecards"))
    cards = await client.racecards_pro(date(2025, 10, 13))
    assert fake.queries == [
        "/v1/racecards/pro?date=2025-10-13&limit=500&skip=0",
        "/v1/racecards/pro?date=2025-10-13&limit=500&skip=500",
    ]
    assert len(cards) == 730


async def test_racecards_past_the_skip_cap_raise(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/racecards/pro", {"racecards": races("c", 500), "total": 1001, "limit": 500, "skip": 0})
    with pytest.raises(InvalidRequest, match=r"1001 items.*skip <= 500"):
        await client.racecards_pro(date(2025, 10, 13))


async def test_results_range_past_the_skip_cap_is_split_by_date(fake: FakeApi, client: RacingApiClient) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        args = parse_qs(request.url.query.decode())
        start, end = args["start_date"][0], args["end_date"][0]
        if start != end:  # the whole range: too many to page through
            return httpx.Response(200, json={"results": races("r", 100), "total": 24000, "limit": 100, "skip": 0})
        return httpx.Response(200, json={"results": races(start, 3), "total": 3, "limit": 100, "skip": 0})

    fake.add_handler("/v1/results", respond)
    got = await client.results(date(2025, 3, 1), date(2025, 3, 2))
    assert fake.queries == [
        "/v1/results?start_date=2025-03-01&end_date=2025-03-02&limit=100&skip=0",
        "/v1/results?start_date=2025-03-01&end_date=2025-03-01&limit=100&skip=0",
        "/v1/results?start_date=2025-03-02&end_date=2025-03-02&limit=100&skip=0",
    ]
    assert [r.race_id for r in got] == [f"rac_2025-03-0{d}_{i}" for d in (1, 2) for i in range(3)]


async def test_one_date_past_the_cap_cannot_be_split(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/results", {"results": races("r", 100), "total": 20101, "limit": 100, "skip": 0})
    with pytest.raises(InvalidRequest, match="20101 items on 2025-03-01.*region or course"):
        await client.results(date(2025, 3, 1), date(2025, 3, 1))


async def test_entity_results_without_dates_past_the_cap_ask_for_dates(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/damsires/dsi_3722383/results", {"results": races("r", 100), "total": 26471, "limit": 100, "skip": 0})
    with pytest.raises(InvalidRequest, match="26471 items.*give a date range"):
        await client.entity_results("damsires", "dsi_3722383")
    assert len(fake.requests) == 1


async def test_a_range_longer_than_365_days_goes_out_in_windows(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/jockeys/jky_1/results", {"results": [], "total": 0, "limit": 100, "skip": 0})
    await client.entity_results("jockeys", "jky_1", start_date=date(2023, 1, 1), end_date=date(2025, 1, 10))
    windows = [parse_qs(r.url.query.decode()) for r in fake.requests]
    assert [(w["start_date"][0], w["end_date"][0]) for w in windows] == [
        ("2023-01-01", "2023-12-31"),
        ("2024-01-01", "2024-12-30"),
        ("2024-12-31", "2025-01-10"),
    ]


async def test_end_before_start_is_invalid(client: RacingApiClient) -> None:
    with pytest.raises(InvalidRequest, match="before start"):
        await client.results(date(2025, 3, 2), date(2025, 3, 1))


async def test_only_one_date_bound_is_refused(client: RacingApiClient) -> None:
    with pytest.raises(ValueError, match="both"):
        await client.entity_results("jockeys", "jky_1", start_date=date(2025, 1, 1))


# --- the pure helpers ---------------------------------------------------------------------------


def test_fits_skip_cap_boundaries() -> None:
    assert fits_skip_cap(0, 100, 20000)
    assert fits_skip_cap(20100, 100, 20000)  # last page starts at skip 20000
    assert not fits_skip_cap(20101, 100, 20000)
    assert fits_skip_cap(1000, 500, 500) and not fits_skip_cap(1001, 500, 500)


def test_spans_cover_the_range_without_gaps() -> None:
    start, end = date(2020, 2, 27), date(2022, 3, 3)
    windows = spans(start, end, 365)
    assert windows[0][0] == start and windows[-1][1] == end
    assert all((b - a).days <= 364 for a, b in windows)
    assert all(later[0] == earlier[1] + timedelta(days=1) for earlier, later in zip(windows, windows[1:]))


async def test_recursive_split_reads_every_item_once() -> None:
    """Small caps (limit 10, skip <= 50): a 9-day range of 20 a day must be halved down to ~2 days."""
    per_day = 20
    calls: list[tuple[date, date, int]] = []

    def fetch_window(start: date, end: date):  # type: ignore[no-untyped-def]
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        items = [{"race_id": f"rac_{d}_{i}", "runners": []} for d in days for i in range(per_day)]

        async def fetch(skip: int, limit: int) -> BodyPage:
            calls.append((start, end, skip))
            body = {"results": items[skip : skip + limit], "total": len(items), "limit": limit, "skip": skip}
            return read_envelope("/v1/results", "/v1/results", 200, json.dumps(body), "results", skip)

        return fetch

    pages = await collect_date_range(fetch_window, date(2025, 1, 1), date(2025, 1, 9), 10, 50, path="/v1/results")
    ids = [race["race_id"] for page in pages for race in json.loads(page.text)["results"]]
    assert len(ids) == 9 * per_day == len(set(ids))
    assert max(skip for _, _, skip in calls) <= 50


async def test_page_methods_return_the_bodies_as_sent_with_their_envelopes(fake: FakeApi,
                                                                          client: RacingApiClient) -> None:
    everything = races("d", 150)
    fake.add_handler("/v1/results", paged(everything))
    pages = await client.results_pages(date(2025, 10, 7), date(2025, 10, 7))
    assert [(p.endpoint, p.key, p.total, p.skip, p.count, p.whole) for p in pages] == [
        ("/v1/results", "results", 150, 0, 100, False), ("/v1/results", "results", 150, 100, 50, False)]
    assert [r["race_id"] for p in pages for r in json.loads(p.text)["results"]] == [r["race_id"] for r in everything]
    assert client.requests["/v1/results"] == 2


def test_an_envelope_without_total_or_items_is_refused_and_only_non_json_is_retried() -> None:
    with pytest.raises(BadPayload, match="total: Field required") as missing:
        read_envelope("/v1/results", "/v1/results", 200, '{"results": []}', "results", 0)
    assert not missing.value.retryable and missing.value.raw == '{"results": []}'
    with pytest.raises(BadPayload, match="results: Field required"):
        read_envelope("/v1/results", "/v1/results", 200, '{"total": 0}', "results", 0)
    with pytest.raises(BadPayload) as truncated:
        read_envelope("/v1/results", "/v1/results", 200, '{"results": [', "results", 0)
    assert truncated.value.retryable
    empty = read_envelope("/v1/results", "/v1/results", 200, '{"results": null, "total": 0}', "results", 0)
    assert (empty.count, empty.total, empty.whole) == (0, 0, True)
