"""Every client method against the recorded bodies, asserting the exact request sent.

The API ignores unknown query parameters, so a misspelt name would return unfiltered data
without any error: each test pins the path and the query string byte for byte.
"""

from __future__ import annotations

import base64
import gzip
from datetime import date

import httpx
import pytest

from darkhorses.racing_api import RacingApiClient
from darkhorses.racing_api.client import USER_AGENT

from .conftest import PASSWORD, USERNAME, FakeApi, fixture_json, fixture_text


async def test_courses_sends_repeated_region_codes_and_returns_courses(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/courses", fixture="courses.json")
    courses = await client.courses(["gb", "ire"])
    assert fake.queries == ["/v1/courses?region_codes=gb&region_codes=ire"]
    assert [(c.id, c.course, c.region_code, c.region) for c in courses] == [
        ("crs_832", "Aintree", "gb", "Great Britain"),
        ("crs_52", "Ascot", "gb", "Great Britain"),
    ]


async def test_courses_without_filter_sends_no_query(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/courses", fixture="courses_all_regions.json")
    courses = await client.courses()
    assert fake.queries == ["/v1/courses"]
    assert courses[0].course == "La Plata"


async def test_regions_parses_the_bare_array(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/courses/regions", fixture="regions.json")
    regions = await client.regions()
    assert fake.queries == ["/v1/courses/regions"]
    assert [(r.region_code, r.region) for r in regions] == [("spa", "Spain"), ("gb", "Great Britain")]


async def test_racecards_pro_uses_racecard_parameter_names(fake: FakeApi, client: RacingApiClient) -> None:
    body = fixture_json("racecards_pro.json")
    body["total"] = 2  # the recorded body was trimmed to 2 of 31 races; one page holds them all
    fake.add("/v1/racecards/pro", body)
    cards = await client.racecards_pro(date(2025, 10, 13), region_codes=["gb"], course_ids=["crs_624"])
    assert fake.queries == [
        "/v1/racecards/pro?date=2025-10-13&region_codes=gb&course_ids=crs_624&limit=500&skip=0"
    ]
    first = cards[0]
    assert (first.race_id, first.course_id, first.off_time, first.prize) == ("rac_11744434", "crs_624", "2:12", "£4,193")
    runner = first.runners[0]
    assert (runner.horse_id, runner.lbs, runner.ofr, runner.rpr) == ("hrs_47475190", "158", None, None)
    assert runner.trainer_14_days is not None and runner.trainer_14_days.percent == "33"
    assert [o.bookmaker for o in runner.odds][-1] == "Betfair Exchange"
    assert first.pattern is None and first.big_race is False
    assert any(r.number == "NR" for card in cards for r in card.runners)


async def test_racecard_pro_single_race(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/racecards/rac_10975861/pro", fixture="racecard_pro_single_race.json")
    card = await client.racecard_pro("rac_10975861")
    assert fake.queries == ["/v1/racecards/rac_10975861/pro"]
    assert card.course == "Cartmel" and len(card.runners) == 5
    assert card.runners[0].prev_owners and card.runners[0].prev_owners[0].owner_id


async def test_results_uses_results_parameter_names(fake: FakeApi, client: RacingApiClient) -> None:
    body = fixture_json("results.json")
    body["total"] = 2
    fake.add("/v1/results", body)
    results = await client.results(
        date(2025, 10, 7), date(2025, 10, 7), region=["gb", "ire"], type="flat", min_distance_y=1000
    )
    assert fake.queries == [
        "/v1/results?start_date=2025-10-07&end_date=2025-10-07&region=gb&region=ire"
        "&type=flat&min_distance_y=1000&limit=100&skip=0"
    ]
    race = results[0]
    assert (race.race_id, race.class_, race.off, race.course) == ("rac_11745682", "Class 6", "8:30", "Southwell (AW)")
    winner = race.runners[0]
    assert (winner.position, winner.sp, winner.sp_dec, winner.or_, winner.prize) == ("1", "9/4", "3.25", "47", "3245.08")
    assert [r.tsr for r in race.runners] == ["2", "13", None, None, None, None]  # en dash → None


async def test_results_by_course_sends_course_not_course_ids(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/results", {"results": [], "total": 0, "limit": 100, "skip": 0, "query": []})
    assert await client.results(date(2025, 1, 1), date(2025, 1, 2), course="crs_52") == []
    assert fake.queries == ["/v1/results?start_date=2025-01-01&end_date=2025-01-02&course=crs_52&limit=100&skip=0"]


async def test_result_by_id(fake: FakeApi, client: RacingApiClient) -> None:
    race = fixture_json("results.json")["results"][1]
    fake.add(f"/v1/results/{race['race_id']}", race)
    result = await client.result(race["race_id"])
    assert fake.queries == [f"/v1/results/{race['race_id']}"]
    assert result.race_id == race["race_id"] and len(result.runners) == len(race["runners"])


async def test_horse_pro_and_standard(fake: FakeApi, client: RacingApiClient) -> None:
    pro_bodies = fixture_json("horse_pro.json")
    fake.add("/v1/horses/hrs_6181308/pro", pro_bodies[0])
    fake.add("/v1/horses/hrs_34961500/pro", pro_bodies[1])
    fake.add("/v1/horses/hrs_6181308/standard", fixture="horse_standard.json")
    first = await client.horse_pro("hrs_6181308")
    second = await client.horse_pro("hrs_34961500")
    standard = await client.horse_standard("hrs_6181308")
    assert fake.queries == ["/v1/horses/hrs_6181308/pro", "/v1/horses/hrs_34961500/pro", "/v1/horses/hrs_6181308/standard"]
    assert (first.name, first.dob, first.sex_code, first.damsire_id) == ("Flaggan (IRE)", "2011-06-19", "G", "dsi_2117444")
    assert second.id == "hrs_34961500" and second.breeder == "Gestut Hof Ittlingen U S J Weiss"
    assert (standard.sire_id, standard.damsire) == ("sir_3188248", "Thatching")


@pytest.mark.parametrize(
    ("kind", "entity_id", "fixture", "id_key"),
    [
        ("horses", "hrs_6181308", "horse_results.json", None),
        ("jockeys", "jky_41100", "jockey_results.json", "jockey_id"),
        ("trainers", "trn_116136", "trainer_results.json", "trainer_id"),
        ("owners", "own_1432844", "owner_results.json", "owner_id"),
        ("dams", "dam_4206832", "dam_results.json", "dam_id"),
        ("damsires", "dsi_3722383", "damsire_results.json", "damsire_id"),
    ],
)
async def test_entity_results(fake: FakeApi, client: RacingApiClient, kind: str, entity_id: str, fixture: str,
                              id_key: str | None) -> None:
    body = fixture_json(fixture)
    body["total"] = len(body["results"])
    fake.add(f"/v1/{kind}/{entity_id}/results", body)
    races = await client.entity_results(kind, entity_id)  # type: ignore[arg-type]
    assert fake.queries == [f"/v1/{kind}/{entity_id}/results?limit=100&skip=0"]
    assert [r.race_id for r in races] == [r["race_id"] for r in body["results"]]
    if id_key:  # each item is a whole race; the entity is one of its runners
        assert all(any(getattr(run, id_key) == entity_id for run in race.runners) for race in races)


async def test_sire_results_with_dates(fake: FakeApi, client: RacingApiClient) -> None:
    body = fixture_json("dam_results.json")  # no sire body was recorded; the shape is the same
    body["total"] = 2
    fake.add("/v1/sires/sir_3722383/results", body)
    races = await client.entity_results("sires", "sir_3722383", start_date=date(2025, 1, 1), end_date=date(2025, 9, 30))
    assert fake.queries == ["/v1/sires/sir_3722383/results?start_date=2025-01-01&end_date=2025-09-30&limit=100&skip=0"]
    assert len(races) == 2


async def test_horse_results_wrapper(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/horses/hrs_6181308/results", fixture="horse_results.json")
    races = await client.horse_results("hrs_6181308")
    assert races[0].course == "Fontwell" and races[0].date == "2021-02-28"


@pytest.mark.parametrize(
    ("kind", "entity_id", "table", "fixture"),
    [
        ("jockeys", "jky_41100", "courses", "jockey_analysis_courses.json"),
        ("trainers", "trn_116136", "horse-age", "trainer_analysis_horse_age.json"),
        ("owners", "own_1432844", "trainers", "owner_analysis_trainers.json"),
    ],
)
async def test_analysis(fake: FakeApi, client: RacingApiClient, kind: str, entity_id: str, table: str,
                        fixture: str) -> None:
    fake.add(f"/v1/{kind}/{entity_id}/analysis/{table}", fixture=fixture)
    result = await client.analysis(kind, entity_id, table, region=["gb"], start_date=date(2024, 1, 1))
    assert fake.queries == [f"/v1/{kind}/{entity_id}/analysis/{table}?start_date=2024-01-01&region=gb"]
    assert result.id == entity_id


async def test_analysis_rows_keep_counts_and_ratios(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/jockeys/jky_41100/analysis/courses", fixture="jockey_analysis_courses.json")
    result = await client.analysis("jockeys", "jky_41100", "courses")
    row = result.courses[0]
    assert (result.jockey, result.total_rides) == ("Shane Kelly", 14573)
    assert (row.course_id, row.rides, row.first, row.fourth, row.ae, row.win_pct, row.one_pl) == (
        "crs_13338", 2208, 235, 249, 0.8, 0.11, -723.7
    )


async def test_analysis_rejects_a_table_the_entity_does_not_have(client: RacingApiClient) -> None:
    with pytest.raises(ValueError, match="horse-age"):
        await client.analysis("jockeys", "jky_1", "horse-age")


async def test_horse_distance_times(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/horses/hrs_6181308/analysis/distance-times", fixture="horse_analysis_distance_times.json")
    result = await client.horse_distance_times("hrs_6181308")
    assert fake.queries == ["/v1/horses/hrs_6181308/analysis/distance-times"]
    assert result.horse == "Flaggan (IRE)" and result.total_runs == 1
    assert result.distances[0].times[0].time == "5:16.52"


@pytest.mark.parametrize(
    ("kind", "name", "fixture", "first"),
    [
        ("jockeys", "Murphy", "search_jockeys.json", ("jky_301032", "Cindy Murphy")),
        ("trainers", "Henderson", "search_trainers.json", None),
        ("owners", "Qatar", "search_owners.json", None),
    ],
)
async def test_search(fake: FakeApi, client: RacingApiClient, kind: str, name: str, fixture: str,
                      first: tuple[str, str] | None) -> None:
    fake.add(f"/v1/{kind}/search", fixture=fixture)
    hits = await client.search(kind, name)  # type: ignore[arg-type]
    assert fake.queries == [f"/v1/{kind}/search?name={name}"]
    expected = fixture_json(fixture)["search_results"]
    assert [(h.id, h.name) for h in hits] == [(e["id"], e["name"]) for e in expected]
    if first:
        assert (hits[0].id, hits[0].name) == first


async def test_search_pedigree_kinds_use_their_own_route(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/damsires/search", {"search_results": [{"id": "dsi_3722383", "name": "Galileo (IRE)"}]})
    hits = await client.search("damsires", "Galileo")
    assert fake.queries == ["/v1/damsires/search?name=Galileo"]
    assert hits[0].id == "dsi_3722383"


async def test_search_horses_keeps_pedigree_and_blanks_become_none(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/horses/search", fixture="search_horses.json")
    hits = await client.search_horses("test drive")
    assert fake.queries == ["/v1/horses/search?name=test+drive"]
    assert hits[1].id == "hrs_4402090" and hits[1].damsire is None and hits[1].damsire_id is None


async def test_runner_odds(fake: FakeApi, client: RacingApiClient) -> None:
    body = {  # the v1.4.3 example shape; no odds body was ever recorded
        "race_id": "rac_1", "horse_id": "hrs_2", "horse": "Example",
        "odds": [{"bookmaker": "Bet365", "fractional": "5/2", "decimal": "3.5", "ew_places": "3", "ew_denom": "5",
                  "updated": "2025-10-13 10:00:00",
                  "history": [{"changed_at": "2025-10-13T09:00:00+01:00", "fractional": "3/1", "decimal": "4.0"}]}],
    }
    fake.add("/v1/odds/rac_1/hrs_2", body)
    odds = await client.runner_odds("rac_1", "hrs_2")
    assert fake.queries == ["/v1/odds/rac_1/hrs_2"]
    assert odds.odds[0].history[0].fractional == "3/1"


async def test_path_ids_are_quoted(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/horses/hrs_1%2F..%2Fx/pro", {"id": "hrs_1"})
    await client.horse_pro("hrs_1/../x")
    assert fake.requests[0].url.raw_path == b"/v1/horses/hrs_1%2F..%2Fx/pro"


async def test_request_headers_auth_user_agent_gzip(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/courses/regions", fixture="regions.json")
    await client.regions()
    headers = fake.requests[0].headers
    assert headers["authorization"] == "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert headers["user-agent"] == USER_AGENT and USER_AGENT.startswith("darkhorses/")
    assert "gzip" in headers["accept-encoding"]
    assert fake.requests[0].url.host == "racing-api.invalid"


async def test_gzip_compressed_body_is_decoded(fake: FakeApi, client: RacingApiClient) -> None:
    raw = gzip.compress(fixture_text("courses.json").encode())
    fake.add_handler("/v1/courses", lambda request: httpx.Response(200, content=raw, headers={"Content-Encoding": "gzip"}))
    assert [c.id for c in await client.courses(["gb"])] == ["crs_832", "crs_52"]


async def test_connections_are_reused_by_one_http_client(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/courses/regions", fixture="regions.json")
    await client.regions()
    pool = client._http
    await client.regions()
    assert client._http is pool and not pool.is_closed
    await client.aclose()
    assert pool.is_closed


async def test_misspelt_filter_is_rejected_before_any_request(fake: FakeApi, client: RacingApiClient) -> None:
    with pytest.raises(ValueError, match="region_codes"):
        await client.results(date(2025, 1, 1), date(2025, 1, 1), region_codes=["gb"])  # type: ignore[arg-type]
    assert fake.requests == []


async def test_a_single_code_is_not_split_into_characters(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/courses", fixture="courses_ire.json")
    await client.courses("ire")  # type: ignore[arg-type]
    assert fake.queries == ["/v1/courses?region_codes=ire"]


async def test_client_tallies_unknown_fields_per_endpoint(fake: FakeApi, client: RacingApiClient) -> None:
    fake.add("/v1/horses/hrs_1/pro", {"id": "hrs_1", "region": "GB", "owner": "x"})
    fake.add("/v1/horses/hrs_2/pro", {"id": "hrs_2", "region": "IRE"})
    await client.horse_pro("hrs_1")
    await client.horse_pro("hrs_2")
    assert client.unknown_fields == {"/v1/horses/{horse_id}/pro region": 2, "/v1/horses/{horse_id}/pro owner": 1}
