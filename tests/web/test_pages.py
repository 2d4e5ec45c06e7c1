"""Every page and its JSON twin, on both engines: the numbers the database holds, the same in both."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert, update
from sqlalchemy.engine import Engine

from darkhorses.db.schema import (
    dh_runs,
    dh_work_units,
    ra_mst_bookmakers,
    ra_mst_horses,
    ra_mst_race_results,
    ra_mst_races,
    ra_mst_runners,
    ra_runner_odds,
)
from darkhorses.ops.card import build_card
from darkhorses.web.app import PAGES
from darkhorses.web.pages import _buckets

from ..ops.conftest import CARD, NOW, RESULTED, TODAY, add_rows
from .conftest import Client, url_of

HTML_AND_JSON = [(page.path, page.api) for page in PAGES]


@pytest.mark.parametrize(("path", "api"), HTML_AND_JSON)
async def test_each_page_and_its_twin_load(dashboard_db: Engine, make_client: Client, path: str, api: str) -> None:
    client = make_client(url_of(dashboard_db))
    page, twin = await client.get(path), await client.get(api)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert twin.status_code == 200 and twin.json()["state"] == "ok"
    assert "Nothing fetched yet" not in page.text
    assert "'self'" in page.headers["content-security-policy"]


async def test_overview(dashboard_db: Engine, make_client: Client) -> None:
    client = make_client(url_of(dashboard_db))
    data = (await client.get("/api/overview")).json()
    assert data["health"]["verdict"] == "unhealthy"
    assert data["health"]["problems"] == [
        "1 failed units in the last 3 days (results 2025-10-19: The Racing API failed on /v1/results with 503)"]
    tables = {table["name"]: table for table in data["tables"]}
    assert tables["ra_mst_runners"]["rows"] == 5 and tables["ra_mst_races"]["rows"] == 2
    assert tables["dh_runs"]["age_hours"] == 2.0
    assert data["latest_race_date"] == "2025-10-21" and data["latest_result_date"] == "2025-10-15"
    daily, manual = data["runs"]
    assert (daily["mode"], daily["status"], daily["duration_seconds"], daily["api_calls"]) == ("daily", "succeeded", 600.0, 10)
    assert daily["tables"] == {"ra_mst_races": 2, "ra_mst_runners": 5}
    assert (manual["status"], manual["error"]) == ("failed", "1 unit failed")
    assert data["failed_units"]["count"] == 1 and data["failed_units"]["units"][0]["key"] == "2025-10-19"
    assert data["quarantine"]["count"] == 1
    assert data["quarantine"]["records"][0]["reason"] == "position 'XYZ' is not a finishing position"
    html = (await client.get("/")).text
    for shown in ("unhealthy", "The Racing API failed on /v1/results with 503", "position &#39;XYZ&#39; is not a finishing",
                  "ra_mst_runners 5", "darkhorses fetch --retry-failed"):
        assert shown in html


async def test_backfill_progress_rate_and_eta(dashboard_db: Engine, make_client: Client) -> None:
    add_rows(dashboard_db, ra_mst_horses, [{"id": f"hrs_new{n}", "name": f"New {n}"} for n in range(30)])
    add_rows(dashboard_db, dh_work_units, [
        {"job": "horses", "partition_key": f"hrs_done{n}", "status": "done", "attempts": 1,
         "finished_at": NOW - dt.timedelta(minutes=n % 4 if n < 16 else 6)} for n in range(20)])
    with dashboard_db.begin() as connection:
        connection.execute(insert(dh_runs).values(command="fetch", mode="backfill", status="running",
                                                  started_at=NOW - dt.timedelta(minutes=4), pid=4242, host="box"))
    client = make_client(url_of(dashboard_db))
    data = (await client.get("/api/backfill")).json()
    [running] = data["running"]
    assert (running["mode"], running["pid"], running["host"]) == ("backfill", 4242, "box")
    assert data["rate_since"] == (NOW - dt.timedelta(minutes=4)).isoformat()
    horses = next(job for job in data["jobs"] if job["job"] == "horses")
    # hrs_1 and 20 new units done; hrs_3 and the 30 new horses were never looked up
    assert (horses["done"], horses["pending"], horses["total"]) == (21, 31, 52)
    assert horses["finished_recently"] == 16  # 0-3 minutes ago, since the run began; not the 4 before it
    assert horses["rate_per_minute"] == 4.0 and horses["eta_seconds"] == round(31 / 4 * 60)
    html = (await client.get("/backfill")).text
    assert 'data-source="/api/backfill"' in html and "A fetch is running: run" in html
    assert '<progress max="52" value="21">' in html and "7 min 45 s" in html


async def test_data_page(dashboard_db: Engine, make_client: Client) -> None:
    client = make_client(url_of(dashboard_db))
    data = (await client.get("/api/data")).json()
    assert data["range"] == {"first": "2025-10-15", "last": "2025-10-21", "bucket": "day"}
    assert data["races_per_day"] == [{"date": "2025-10-15", "races": 1, "runners": 2},
                                     {"date": "2025-10-21", "races": 1, "runners": 3}]
    assert data["enrichment"] | {} == {"pro": 1, "standard": 1, "none": 0, "pending": 1, "with_profile": 2,
                                       "without_profile": 1}
    runners = next(table for table in data["tables"] if table["name"] == "ra_mst_runners")
    jockey = next(column for column in runners["columns"] if column["name"] == "jockey_id")
    assert runners["rows"] == 5 and (jockey["non_null"], jockey["fill_pct"]) == (5, 100.0)
    html = (await client.get("/data")).text
    assert html.count('class="point"') == 4  # two days, two charts
    assert "<title>2025-10-21: 3 runners</title>" in html


def test_long_ranges_are_drawn_by_week_then_by_month() -> None:
    start = dt.date(2015, 1, 5)  # a Monday
    days = [(start + dt.timedelta(days=n), 2, 20) for n in range(0, 600, 3)]
    unit, points = _buckets(days)
    assert unit == "week" and points[0] == {"date": start, "races": 6, "runners": 60}
    assert sum(point["races"] for point in points) == 2 * len(days)
    days = [(start + dt.timedelta(days=n), 1, 10) for n in range(0, 3000, 10)]
    unit, points = _buckets(days)
    assert unit == "month" and points[0]["date"] == dt.date(2015, 1, 1) and points[0]["races"] == 3


async def test_api_usage_per_endpoint_and_day(dashboard_db: Engine, make_client: Client) -> None:
    client = make_client(url_of(dashboard_db))
    data = (await client.get("/api/api-usage?days=7")).json()
    assert data["days"] == 7 and data["first_day"] == "2025-10-14" and data["runs"] == 2
    assert data["runs_without_429_counts"] == 1
    assert data["endpoints"] == [
        {"endpoint": "/v1/horses/{horse_id}/pro", "api_calls": 3, "api_429s": 0, "api_retries": 1,
         "calls_per_day": [0, 0, 0, 0, 0, 0, 3]},
        {"endpoint": "/v1/results", "api_calls": 7, "api_429s": 2, "api_retries": 2,
         "calls_per_day": [0, 0, 0, 0, 0, 0, 7]}]
    assert data["per_day"][-1] == {"date": TODAY.isoformat(), "api_calls": 10, "api_429s": 2, "api_retries": 3}
    html = (await client.get("/api-usage?days=7")).text
    assert html.count('class="bar"') == 2 and "<title>2025-10-20 /v1/results: 7</title>" in html
    assert (await client.get("/api/api-usage?days=banana")).json()["days"] == 30


async def test_statistics_tables_and_search(dashboard_db: Engine, make_client: Client) -> None:
    client = make_client(url_of(dashboard_db))
    data = (await client.get("/api/statistics", params={"kind": "sires", "q": "GAL"})).json()
    sires = next(table for table in data["tables"] if table["table"] == "ra_mst_sires")
    assert sires["rows"] == 3 and sires["category"] == "pedigree"
    assert [(row["name"], row["total_wins"], row["overall_ae_index"]) for row in data["search"]["rows"]] == [
        ("Galileo (IRE)", 30, 1.12)]
    every = (await client.get("/api/statistics")).json()["search"]["rows"]
    assert [row["id"] for row in every] == ["sir_1", "sir_2", "sir_3"]  # busiest first
    percent = (await client.get("/api/statistics", params={"q": "%"})).json()["search"]["rows"]
    assert [row["id"] for row in percent] == ["sir_3"]  # a literal %, not a wildcard
    jockeys = (await client.get("/api/statistics", params={"kind": "jockeys", "q": "rider"})).json()["search"]
    assert jockeys["columns"][:3] == ["name", "total_rides", "total_wins"]
    assert [(row["name"], row["win_rate"]) for row in jockeys["rows"]] == [("J Rider", 50.0)]
    html = (await client.get("/statistics", params={"kind": "sires", "q": "gal"})).text
    assert "Galileo (IRE)" in html and "Frankel" not in html


async def test_a_missing_sqlite_file_is_nothing_yet_and_is_not_created(tmp_path: Path, make_client: Client) -> None:
    path = tmp_path / "later.db"
    client = make_client(f"sqlite:///{path}")
    for page, api in HTML_AND_JSON:
        html, twin = await client.get(page), await client.get(api)
        assert html.status_code == 200 and "Nothing fetched yet" in html.text and "darkhorses demo" in html.text
        assert twin.json()["state"] == "empty" and "darkhorses fetch --mode backfill" in twin.json()["hint"]
    assert not path.exists()


async def test_a_database_without_tables_is_nothing_yet(empty_engine: Engine, make_client: Client) -> None:
    client = make_client(url_of(empty_engine))
    twin = (await client.get("/api/overview")).json()
    assert twin["state"] == "empty" and "has no DarkHorses tables" in twin["message"]


@pytest.mark.parametrize(("path", "api"), HTML_AND_JSON)
async def test_a_migrated_empty_database_says_nothing_fetched_yet(engine: Engine, make_client: Client, path: str,
                                                                   api: str) -> None:
    client = make_client(url_of(engine))
    page, twin = await client.get(path), await client.get(api)
    says = f"No racecards stored for {TODAY.isoformat()}" if path == "/card" else "Nothing fetched yet"
    assert page.status_code == 200 and 'id="empty"' in page.text and says in page.text
    assert twin.json()["state"] == "ok" and twin.json()["empty"] is True


async def test_an_unreachable_database_is_a_503_without_the_password(make_client: Client) -> None:
    client = make_client("postgresql://reader:Sup3rSecretPw@127.0.0.1:1/darkhorses")
    page, twin = await client.get("/"), await client.get("/api/overview")
    assert page.status_code == twin.status_code == 503
    assert twin.json()["state"] == "error" and "cannot open database" in twin.json()["message"]
    assert "Sup3rSecretPw" not in page.text + twin.text


CARD_DAY = TODAY + dt.timedelta(days=1)


def _form(engine: Engine) -> None:
    """The ops database's past race gets its result (One won at 3.0, Two pulled up, both on good
    ground over the card's mile at the card's course), One a rating and a price: so tomorrow's card
    has figures to show."""
    with engine.begin() as connection:
        connection.execute(update(ra_mst_races).values(going="Good"))
        for horse, position, raw in (("hrs_1", 1, "1"), ("hrs_2", None, "PU")):
            connection.execute(update(ra_mst_runners).where(ra_mst_runners.c.race_id == RESULTED,
                                                            ra_mst_runners.c.horse_id == horse)
                               .values(position=position, position_raw=raw, starting_price_decimal=3.0))
        connection.execute(update(ra_mst_race_results).where(ra_mst_race_results.c.horse_id == "hrs_1")
                           .values(rpr=95, tsr=80))
        connection.execute(update(ra_mst_runners).where(ra_mst_runners.c.race_id == CARD,
                                                        ra_mst_runners.c.horse_id == "hrs_1")
                           .values(number="1", draw=4, age=4, weight_lbs=131, ofr=88, jockey_claim_lbs=3, form="1-"))
    add_rows(engine, ra_mst_bookmakers, [{"id": 1, "name": "Bet Shop", "code": "betshop"}])
    add_rows(engine, ra_runner_odds, [{"race_id": CARD, "horse_id": "hrs_1", "bookmaker_id": 1,
                                       "fractional_odds": "5/2", "decimal_odds": 3.5}])


async def test_the_racecards_twin_is_the_card(dashboard_db: Engine, make_client: Client) -> None:
    _form(dashboard_db)
    client = make_client(url_of(dashboard_db))
    for params, arguments in (({"date": CARD_DAY.isoformat()}, {}), ({"date": "tomorrow", "course": "asc"},
                                                                     {"course": "asc"}),
                              ({"date": CARD_DAY.isoformat(), "race": CARD}, {"race_id": CARD})):
        twin = (await client.get("/api/card", params=params)).json()
        assert twin.pop("state") == "ok" and twin.pop("empty") is False
        assert twin == build_card(dashboard_db, CARD_DAY, **arguments).to_json()
    [race] = twin["races"]
    runners = {runner["horse_id"]: runner for runner in race["runners"]}
    one, two = runners["hrs_1"], runners["hrs_2"]
    assert (one["flags"], one["days_since_last_run"], one["best_rpr"], one["best_ts"]) == ("CD", 6, 95, 80)
    assert one["going"] == one["distance_band"] == {"runs": 1, "wins": 1, "win_pct": 100.0, "ae": 3.0}
    assert one["jockey_14_days"] == {"runs": 2, "wins": 1, "win_pct": 50.0, "ae": 1.5}
    assert one["best_price"] == {"decimal": 3.5, "fractional": "5/2", "bookmaker": "Bet Shop"}
    assert (two["flags"], two["going"]["runs"], two["going"]["wins"]) == ("", 1, 0)


async def test_the_racecards_page_shows_the_runners_and_figures(dashboard_db: Engine, make_client: Client) -> None:
    _form(dashboard_db)
    client = make_client(url_of(dashboard_db))
    page = await client.get("/card", params={"date": CARD_DAY.isoformat()})
    assert page.status_code == 200
    html = page.text
    assert "15:00 Ascot</a>" in html and "Race rac_next" in html  # 14:00 UTC on the London clock
    one = html[html.index('data-horse="hrs_1"'):html.index('data-horse="hrs_2"')]
    for shown in ("1 (4)", "One", "9-5", ">88<", "J Rider (3)", "T Yard", "1-", ">6<", '"flags">CD<', "1/1 100%",
                  "1/2 50%", "95/80", "5/2"):
        assert shown in one, shown
    assert '<tr class="runner nr" data-horse="hrs_3" title="non-runner">' in html
    assert f'href="/api/card?date={CARD_DAY.isoformat()}"' in html  # the footer's twin has the same arguments


async def test_a_day_without_racecards_says_what_to_fetch(dashboard_db: Engine, make_client: Client) -> None:
    client = make_client(url_of(dashboard_db))
    twin = (await client.get("/api/card")).json()  # today (London), and nothing stored for it
    fetch = f"darkhorses fetch --mode manual --tables racecards --start-date {TODAY} --end-date {TODAY}"
    assert twin == {"state": "ok", "empty": True, "date": TODAY.isoformat(), "races": [],
                    "hint": f"no racecards stored for {TODAY}; run `{fetch}`"}
    html = (await client.get("/card")).text
    assert f'<p class="notice" id="empty">No racecards stored for {TODAY}; run <code>{fetch}</code>.</p>' in html
    course = (await client.get("/api/card", params={"date": CARD_DAY.isoformat(), "course": "York"})).json()
    assert course["empty"] is True and course["hint"].startswith(f"no racecards stored for {CARD_DAY} at 'York'")


@pytest.mark.parametrize("path", ["/card", "/api/card"])
async def test_a_bad_racecard_date_is_a_400_in_one_line(dashboard_db: Engine, make_client: Client, path: str) -> None:
    client = make_client(url_of(dashboard_db))
    response = await client.get(path, params={"date": "2025-13-45"})
    assert response.status_code == 400
    message = "date must be a date like 2025-10-07 (or today, tomorrow), not &#39;2025-13-45&#39;"
    if path == "/card":
        assert f"<p>{message}</p>" in response.text
    else:
        assert response.json() == {"state": "invalid", "message": message.replace("&#39;", "'")}
