"""Field-by-field mapping of the recorded real bodies into rows (no database)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from darkhorses.db.schema import metadata, owners
from darkhorses.racing_api.endpoints import RACECARDS_PRO as RACECARDS
from darkhorses.racing_api.endpoints import RESULTS, Endpoint
from darkhorses.ingest.transform import (
    ODDS_COLUMNS,
    Batch,
    bookmaker_code,
    course_rows,
    horse_profile_rows,
    racecard_rows,
    region_rows,
    result_rows,
)
from darkhorses.racing_api.models import Course, HorsePro, Racecard, Region, Result

API = Path(__file__).parents[1] / "fixtures" / "api"
UTC = dt.timezone.utc


def _body(name: str) -> object:
    return json.loads((API / name).read_text())


def _cards() -> list[Racecard]:
    return [Racecard.model_validate(item) for item in _body("racecards_pro.json")["racecards"]]  # type: ignore[index]


def _results() -> list[Result]:
    return [Result.model_validate(item) for item in _body("results.json")["results"]]  # type: ignore[index]


def _entity_results() -> list[Result]:
    """Every race in the recorded entity-results bodies: more variety (PU, Ireland, abroad)."""
    return [
        Result.model_validate(item)
        for path in sorted(API.glob("*_results.json"))
        for item in json.loads(path.read_text())["results"]
    ]


def _all(batches: list[Batch]) -> Batch:
    total = Batch()
    for batch in batches:
        total.extend(batch)
    return total


def _odds(batch: Batch) -> list[dict]:
    """The batch's odds tuples as dicts of :data:`ODDS_COLUMNS`."""
    return [dict(zip(ODDS_COLUMNS, row, strict=True)) for row in batch.odds]


def _one(rows: list[dict], **match: object) -> dict:
    found = [row for row in rows if all(row.get(k) == v for k, v in match.items())]
    assert len(found) == 1, f"{len(found)} rows match {match}"
    return found[0]


def test_racecard_race_row() -> None:
    batch = racecard_rows(_cards()[0])
    race = _one(batch.upserts["ra_mst_races"], id="rac_11744434")
    assert race["date"] == dt.date(2025, 10, 13)
    assert race["off_time"] == dt.time(14, 12)
    assert race["off_dt"] == dt.datetime(2025, 10, 13, 13, 12, tzinfo=UTC)
    assert (race["distance"], race["distance_round"], race["distance_f"]) == ("2m53y", "2m", 16.0)
    assert (race["distance_y"], race["distance_m"]) == (3573, 3267)
    assert (race["prize"], race["prize_currency"], race["prize_raw"]) == (4193.0, "GBP", "£4,193")
    assert (race["field_size"], race["region"], race["race_class"], race["type"]) == (8, "gb", "Class 4", "Hurdle")
    assert "has_result" not in race and "winning_time" not in race


def test_racecard_runner_horse_and_parents() -> None:
    batch = racecard_rows(_cards()[0])
    runner = _one(batch.upserts["ra_mst_runners"], horse_id="hrs_47475190")
    # draw "0" (a jump race: no stalls) is no stall number: NULL, with the text kept beside it
    assert (runner["weight_lbs"], runner["age"], runner["draw"], runner["draw_raw"], runner["ofr"]) == (
        158, 5, None, "0", None)
    assert (runner["sex"], runner["sex_code"], runner["dob"]) == ("mare", "M", dt.date(2020, 3, 11))
    assert runner["is_non_runner"] is False and runner["form"] == "542-"
    assert "position" not in runner and "starting_price" not in runner
    horse = _one(batch.upserts["ra_mst_horses"], id="hrs_47475190")
    assert (horse["name"], horse["region"], horse["breeder"], horse["sire_id"]) == (
        "Border Gem", "gb", "T C Dawson", "sir_5384960",
    )
    # a sire's own horse record has the same number (CONTRACT.md §5.15): linked by id, never by name
    assert _one(batch.upserts["ra_mst_sires"], id="sir_5384960") == {
        "id": "sir_5384960", "name": "Gemix", "region": "fr", "horse_id": "hrs_5384960"}
    assert all(row["horse_id"] == "hrs_" + row["id"][4:]
               for table in ("ra_mst_sires", "ra_mst_dams", "ra_mst_damsires") for row in batch.upserts[table])
    assert _one(batch.upserts["ra_mst_trainers"], id="trn_11763", location="Brompton Regis, Somerset")
    assert batch.stubs["ra_mst_courses"][0]["region_code"] == "gb"


def test_non_runner_is_kept_and_flagged() -> None:
    card = next(c for c in _cards() if c.race_id == "rac_11744499")
    batch = racecard_rows(card)
    flags = [r["is_non_runner"] for r in batch.upserts["ra_mst_runners"]]
    assert len(flags) == 5 and flags.count(True) == 1
    assert batch.upserts["ra_mst_races"][0]["field_size"] == 4


def test_odds_and_bookmakers() -> None:
    batch = racecard_rows(_cards()[0])
    codes = {row["bookmaker_code"] for row in _odds(batch)}
    assert codes == {"bet365", "williamhill", "betfairexchange"}
    first = _one(_odds(batch), horse_id="hrs_47475190", bookmaker_code="bet365")
    assert (first["fractional_odds"], first["decimal_odds"], first["ew_places"], first["ew_denom"]) == ("22/1", 23.0, 3, 5)
    assert first["updated_at"] == dt.datetime(2025, 10, 13, 13, 11, 7, tzinfo=UTC)
    exchange = next(b for b in batch.stubs["ra_mst_bookmakers"] if b["code"] == "betfairexchange")
    assert exchange["type"] == "exchange"
    assert bookmaker_code("Spread Ex") == bookmaker_code("Spreadex") == "spreadex"


def test_supplementary_records_are_numbered_per_type() -> None:
    batch = _all([racecard_rows(card) for card in _cards()])
    stats = [r for r in batch.supplementary if r["record_type"] == "trainer_14_days"]
    assert stats and all(r["seq"] == 1 for r in stats)
    first = _one(stats, horse_id="hrs_47475190")
    assert (first["stats_runs"], first["stats_wins"], first["stats_win_percent"], first["entity_id"]) == (3, 1, 33.0, "trn_11763")
    keys = [(r["race_id"], r["horse_id"], r["record_type"], r["seq"]) for r in batch.supplementary]
    assert len(keys) == len(set(keys))


def test_result_race_and_winner() -> None:
    batch = result_rows(_results()[0])
    race = _one(batch.upserts["ra_mst_races"], id="rac_11745682")
    assert (race["distance_y"], race["distance_m"], race["distance_f"], race["distance_round"]) == (1773, 1621, 8.0, "1m")
    assert (race["field_size"], race["has_result"], race["off_time"]) == (6, True, dt.time(20, 30))
    assert (race["winning_time"], race["winning_time_seconds"]) == ("1:43.25", 103.25)
    assert race["race_class"] == "Class 6" and race["tote_win"] == "£3.25"
    assert "prize" not in race and "tip" not in race and "distance" not in race


def test_result_runner_columns() -> None:
    batch = result_rows(_results()[0])
    runner = _one(batch.upserts["ra_mst_runners"], horse_id="hrs_30455194")
    assert (runner["horse_name"], runner["position"], runner["position_raw"]) == ("Create", 1, "1")
    assert (runner["starting_price"], runner["starting_price_decimal"]) == ("9/4", 3.25)
    assert (runner["prize_won"], runner["prize_currency"], runner["weight_lbs"], runner["jockey_claim_lbs"]) == (
        3245.08, "GBP", 122, 0,
    )
    assert (runner["finishing_time_seconds"], runner["distance_beaten"], runner["ofr"]) == (103.25, 0.0, 47)
    assert runner["race_comment"].startswith("Held up in rear")
    assert "comment" not in runner and "form" not in runner and "sex" not in runner
    assert runner["sex_code"] == "M"
    result = _one(batch.upserts["ra_mst_race_results"], horse_id="hrs_30455194")
    assert (result["position_str"], result["sp_decimal"], result["time_seconds"], result["official_rating"]) == ("1", 3.25, 103.25, 47)
    horse = _one(batch.upserts["ra_mst_horses"], id="hrs_30455194")
    assert (horse["name"], horse["region"], horse["sex_code"]) == ("Create", "ire", "M")
    assert "sex" not in horse and "colour" not in horse


def test_non_finishers_keep_their_code() -> None:
    batch = _all([result_rows(r) for r in _entity_results()])
    pulled_up = [r for r in batch.upserts["ra_mst_runners"] if r["position_raw"] == "PU"]
    assert pulled_up and all(r["position"] is None for r in pulled_up)
    assert batch.unparsed["position"] == 0


def test_prize_currency_follows_the_symbol_then_the_country() -> None:
    raw = _body("results.json")["results"][0]  # type: ignore[index]
    raw["region"] = "IRE"
    raw["runners"][0]["prize"] = "\u20ac7080"
    raw["runners"][1]["prize"] = "1522.72"
    batch = result_rows(Result.model_validate(raw))
    first, second = batch.upserts["ra_mst_race_results"][:2]
    assert (first["prize_won"], first["prize_currency"]) == (7080.0, "EUR")
    assert (second["prize_won"], second["prize_currency"]) == (1522.72, "EUR")
    assert batch.upserts["ra_mst_races"][0]["region"] == "ire"


def test_impossible_position_is_quarantined_and_the_rest_loads() -> None:
    raw = _body("results.json")["results"][0]  # type: ignore[index]
    raw["runners"][1]["position"] = "9"
    batch = result_rows(Result.model_validate(raw))
    assert [q.record_key for q in batch.quarantined] == [f"rac_11745682/{raw['runners'][1]['horse_id']}"]
    assert "beyond the 6 starters" in batch.quarantined[0].reason
    assert json.loads(batch.quarantined[0].raw)["position"] == "9"
    assert len(batch.upserts["ra_mst_runners"]) == 5


def test_unreadable_values_are_counted_not_guessed() -> None:
    raw = _body("results.json")["results"][0]  # type: ignore[index]
    raw["runners"][0]["position"] = "1st"
    raw["runners"][0]["sp_dec"] = "lots"
    batch = result_rows(Result.model_validate(raw))
    assert batch.unparsed["position"] == 1 and batch.unparsed["sp_dec"] == 1
    runner = batch.upserts["ra_mst_runners"][0]
    assert runner["position"] is None and runner["position_raw"] == "1st"


def test_horse_profile() -> None:
    now = dt.datetime(2025, 10, 14, tzinfo=UTC)
    profile = HorsePro.model_validate(_body("horse_pro.json")[0])  # type: ignore[index]
    batch = horse_profile_rows(profile.id, profile, "pro", now)
    horse = batch.updates["ra_mst_horses"][0]
    assert (horse["name"], horse["region"], horse["dob"], horse["sex_code"], horse["colour_code"]) == (
        "Flaggan", "ire", dt.date(2011, 6, 19), "G", "B",
    )
    assert (horse["profile_source"], horse["enriched_at"]) == ("pro", now)
    pedigree = batch.upserts["ra_horse_pedigree"][0]
    assert (pedigree["sire"], pedigree["dam_id"], pedigree["damsire"]) == ("Stowaway", "dam_3194996", "Thatching")
    assert _one(batch.upserts["ra_mst_damsires"], id="dsi_2117444")["horse_id"] == "hrs_2117444"
    assert _one(batch.upserts["ra_mst_damsires"], id="dsi_2117444")["region"] == "gb"
    missing = horse_profile_rows("hrs_1", None, "none", now)
    assert missing.updates["ra_mst_horses"] == [{"id": "hrs_1", "profile_source": "none", "enriched_at": now}]


def test_reference_rows() -> None:
    courses = course_rows(Course.model_validate(c) for c in _body("courses.json")["courses"])  # type: ignore[index]
    assert courses.upserts["ra_mst_courses"][0]["region_code"] in {"gb", "ire"}
    aintree = _one(courses.upserts["ra_mst_courses"], name="Aintree")
    assert (aintree["latitude"], aintree["longitude"]) == (Decimal("53.4766"), Decimal("-2.9463"))
    regions = region_rows(Region.model_validate(r) for r in _body("regions.json"))  # type: ignore[union-attr]
    assert all(r["code"] == r["code"].lower() for r in regions.upserts["ra_mst_regions"])


def _written(batch: Batch) -> dict[str, set[str]]:
    columns: dict[str, set[str]] = {}
    for group in (batch.upserts, batch.stubs, batch.updates, batch.fills):
        for table, rows in group.items():
            columns.setdefault(table, set()).update(k for row in rows for k in row)
    return columns


def test_rows_only_name_columns_the_tables_have() -> None:
    batch = _all([racecard_rows(c) for c in _cards()] + [result_rows(r) for r in _results() + _entity_results()])
    for table, columns in _written(batch).items():
        assert columns <= set(metadata.tables[table].c.keys()), table
    assert set(ODDS_COLUMNS) - {"bookmaker_code"} <= set(metadata.tables["ra_runner_odds"].c.keys())
    assert all(len(row) == len(ODDS_COLUMNS) for row in batch.odds)


@pytest.mark.parametrize(
    ("endpoint", "make", "tables"),
    [
        (RACECARDS, lambda: _all([racecard_rows(c) for c in _cards()]), ("ra_mst_races", "ra_mst_runners")),
        (RESULTS, lambda: _all([result_rows(r) for r in _results()]),
         ("ra_mst_races", "ra_mst_runners", "ra_mst_race_results")),
    ],
)
def test_every_mapped_api_field_is_written(endpoint: Endpoint, make: object, tables: tuple[str, ...]) -> None:
    """Guards against the old regression where a refactor silently dropped mapped fields."""
    written = _written(make())  # type: ignore[operator]
    for table in tables:
        expected = {
            column.name
            for column in metadata.tables[table].columns
            if endpoint in owners(column)
            and column.info["source"] in {"api", "derived"}
        }
        assert expected - written[table] == set(), table


def test_one_bookmaker_stub_per_firm_and_race_with_the_last_spelling() -> None:
    card = Racecard.model_validate({
        "race_id": "rac_1",
        "runners": [
            {"horse_id": "hrs_1", "odds": [{"bookmaker": "Spread Ex", "decimal": "3"}, {"bookmaker": "Bet365"}]},
            {"horse_id": "hrs_2", "odds": [{"bookmaker": "Spreadex", "decimal": "5"}]},
        ],
    })
    batch = racecard_rows(card)
    assert batch.stubs["ra_mst_bookmakers"] == [
        {"code": "spreadex", "name": "Spreadex", "type": "bookmaker", "is_active": True},
        {"code": "bet365", "name": "Bet365", "type": "bookmaker", "is_active": True},
    ]
    assert [(row["horse_id"], row["bookmaker_code"], row["decimal_odds"]) for row in _odds(batch)] == [
        ("hrs_1", "spreadex", 3.0), ("hrs_1", "bet365", None), ("hrs_2", "spreadex", 5.0),
    ]
