"""Tests for darkhorses.parse: real API values, hand-picked examples, and properties."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkhorses import parse
from darkhorses.london import LONDON
from darkhorses.parse import (
    Money,
    LastRun,
    Position,
    StartingPrice,
    beaten_lengths,
    blank,
    decimal_odds,
    distance_to_yards,
    furlongs_to_metres,
    furlongs_to_yards,
    lbs_to_weight,
    local_date_and_time,
    off_datetime,
    off_time_24h,
    off_time_from_dt,
    parse_age,
    parse_date,
    parse_datetime,
    parse_failed,
    parse_last_run,
    parse_money,
    parse_money_list,
    parse_off_dt,
    parse_position,
    parse_sp,
    race_time_seconds,
    region_code,
    sex_code,
    split_country_suffix,
    to_decimal,
    to_float,
    to_furlongs,
    to_int,
    weight_to_lbs,
    yards_to_furlongs,
    yards_to_metres,
)

FIXTURES = Path(__file__).parent / "fixtures" / "api"


# ---------------------------------------------------------------------------------------------
# Real bodies
# ---------------------------------------------------------------------------------------------


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a body, depth first."""
    if isinstance(node, dict):
        yield node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return
    for child in children:
        yield from _objects(child)


ALL_OBJECTS = [
    obj for path in sorted(FIXTURES.glob("*.json")) for obj in _objects(json.loads(path.read_text()))
]
RACES = [obj for obj in ALL_OBJECTS if "race_id" in obj and "off_dt" in obj]
RESULT_RACES = [race for race in RACES if "winning_time_detail" in race]
RACECARD_RACES = [race for race in RACES if "off_time" in race]
RESULT_RUNNERS = [runner for race in RESULT_RACES for runner in race["runners"]]
GB_IRE_RACES = [race for race in RACES if race["region"] in {"GB", "IRE"}]


def real_values(*keys: str, where: Callable[[dict[str, Any]], bool] = lambda obj: True) -> list[str]:
    """Every non-missing value of these keys anywhere in the recorded bodies."""
    return sorted(
        {
            obj[key]
            for obj in ALL_OBJECTS
            if where(obj)
            for key in keys
            if isinstance(obj.get(key), str) and blank(obj[key]) is not None
        }
    )


def _is_race_or_runner(obj: dict[str, Any]) -> bool:
    return "race_id" in obj or "horse_id" in obj


COVERAGE = [
    ("sp", parse_sp, real_values("sp")),
    ("odds fractional", parse_sp, [v for v in real_values("fractional") if "/" in v]),
    ("sp_dec / odds decimal", decimal_odds, real_values("sp_dec", "decimal")),
    ("position", parse_position, real_values("position")),
    ("btn / ovr_btn", beaten_lengths, real_values("btn", "ovr_btn")),
    ("time", race_time_seconds, real_values("time")),
    ("winning_time_detail", race_time_seconds, real_values("winning_time_detail")),
    ("prize", parse_money, real_values("prize")),
    ("tote", parse_money, real_values("tote_win", "tote_ex", "tote_csf", "tote_tricast", "tote_trifecta")),
    ("tote_pl", parse_money_list, real_values("tote_pl")),
    ("distance strings", distance_to_yards, real_values("dist", "distance", "distance_round")),
    ("furlongs", to_furlongs, real_values("dist_f", "distance_f", "dist", "distance", "distance_round")),
    ("yards / metres", to_float, real_values("dist_y", "dist_m", "distance_y")),
    ("weights", weight_to_lbs, real_values("weight", "weight_lbs", "lbs")),
    ("off_dt", parse_off_dt, real_values("off_dt")),
    ("off / off_time", off_time_24h, real_values("off", "off_time")),
    ("ratings", to_int, real_values("or", "ofr", "rpr", "ts", "tsr")),
    ("counts", to_int, real_values("draw", "field_size", "jockey_claim_lbs", "runs", "wins")),
    ("last_run", parse_last_run, real_values("last_run")),
    ("age", parse_age, real_values("age")),
    ("dates", parse_date, real_values("date", "dob", "change_date")),
    ("odds updated", parse_datetime, real_values("updated")),
    ("sex", sex_code, real_values("sex", "sex_code")),
    (
        "regions",
        region_code,
        real_values(
            "region", "sire_region", "dam_region", "damsire_region", "region_code", where=_is_race_or_runner
        ),
    ),
    ("names", split_country_suffix, real_values("horse", "name", "sire", "dam", "damsire", "course")),
]


@pytest.mark.parametrize(("field", "parser", "values"), COVERAGE, ids=[c[0] for c in COVERAGE])
def test_every_real_value_parses(field: str, parser: Callable[[str], object], values: list[str]) -> None:
    """A field mapping that silently stops parsing real values must fail here."""
    assert values, f"no recorded values for {field}: the coverage test would be vacuous"
    failures = [value for value in values if parser(value) is None]
    assert failures == []


def test_result_weights_agree_with_weight_lbs() -> None:
    for runner in RESULT_RUNNERS:
        assert weight_to_lbs(runner["weight"]) == int(runner["weight_lbs"]), runner["horse"]


def test_sp_decimal_matches_api_sp_dec() -> None:
    priced = [runner for runner in RESULT_RUNNERS if blank(runner["sp"])]
    assert len(priced) > 20
    for runner in priced:
        sp = parse_sp(runner["sp"])
        assert sp is not None
        assert sp.decimal == pytest.approx(float(runner["sp_dec"]), abs=0.005 + 1e-9), runner["sp"]


def test_favourites_have_the_shortest_price_in_each_race() -> None:
    for race in RESULT_RACES:
        prices = [sp for runner in race["runners"] if (sp := parse_sp(runner["sp"])) is not None]
        favourites = [sp for sp in prices if sp.is_favourite]
        assert favourites, race["race_id"]
        assert {sp.decimal for sp in favourites} == {min(sp.decimal for sp in prices)}


def test_result_furlongs_agree_between_dist_and_dist_f() -> None:
    for race in RESULT_RACES:
        assert to_furlongs(race["dist"]) == to_furlongs(race["dist_f"]), race["dist"]


def test_racecard_furlongs_agree_between_distance_round_and_distance_f() -> None:
    assert RACECARD_RACES
    for race in RACECARD_RACES:
        assert to_furlongs(race["distance_round"]) == to_furlongs(race["distance_f"])
        exact = to_furlongs(race["distance"])
        assert exact is not None and abs(exact - float(race["distance_f"])) < 0.5


def test_gb_ire_metres_agree_with_yards() -> None:
    gb_ire_results = [race for race in RESULT_RACES if race["region"] in {"GB", "IRE"}]
    assert gb_ire_results
    for race in gb_ire_results:
        assert abs(yards_to_metres(int(race["dist_y"])) - float(race["dist_m"])) <= 0.5, race["dist_y"]


def test_foreign_metric_race_yards_are_only_approximate() -> None:
    caulfield = next(race for race in RESULT_RACES if race["region"] == "AUS")
    assert (caulfield["dist_y"], caulfield["dist_m"]) == ("2640", "2400.0")
    assert round(yards_to_metres(2640)) == 2414  # so dist_m, not a conversion, is the truth


def test_winner_time_matches_winning_time_detail() -> None:
    for race in RESULT_RACES:
        winner = next(r for r in race["runners"] if r["position"] == "1")
        assert race_time_seconds(winner["time"]) == race_time_seconds(race["winning_time_detail"])


def test_non_finishers_have_no_time_or_margin_and_finishers_do() -> None:
    for runner in RESULT_RUNNERS:
        position = parse_position(runner["position"])
        assert position is not None
        if position.finished:
            assert race_time_seconds(runner["time"]) is not None
            assert beaten_lengths(runner["btn"]) is not None
        else:
            assert (race_time_seconds(runner["time"]), beaten_lengths(runner["btn"])) == (None, None)
            assert position == Position(None, "PU", False)


def test_places_in_a_race_are_one_to_n() -> None:
    for race in RESULT_RACES:
        places = sorted(p.place for r in race["runners"] if (p := parse_position(r["position"])) and p.place)
        assert places == list(range(1, len(places) + 1)), race["race_id"]


def test_gb_ire_heuristic_off_time_agrees_with_off_dt() -> None:
    assert len(GB_IRE_RACES) >= 10
    for race in GB_IRE_RACES:
        clock = race.get("off_time") or race["off"]
        moment = parse_off_dt(race["off_dt"])
        assert moment is not None
        assert off_time_24h(clock) == off_time_from_dt(moment), (clock, race["off_dt"])


def test_foreign_race_needs_off_dt_for_its_off_time() -> None:
    caulfield = next(race for race in RACES if race["region"] == "AUS")
    assert off_time_24h(caulfield["off"]) == time(19, 15)  # the GB/IRE rule is wrong here
    assert off_time_24h(caulfield["off"], caulfield["off_dt"]) == time(7, 15)


def test_off_dt_local_date_is_the_race_date() -> None:
    for race in RACES:
        moment = parse_off_dt(race["off_dt"])
        assert moment is not None
        assert local_date_and_time(moment)[0] == parse_date(race["date"])


def test_gb_racecard_prizes_are_pounds() -> None:
    prizes = {race["race_id"]: parse_money(race["prize"]) for race in RACECARD_RACES}
    assert prizes["rac_11744434"] == Money(Decimal("4193"), "GBP")  # Hereford, "£4,193"
    assert prizes["rac_10975861"] == Money(Decimal("3921"), "GBP")  # Cartmel, "£3,921"


def test_result_runner_prizes_are_bare_for_gb() -> None:
    gb_runners = [runner for race in RESULT_RACES if race["region"] == "GB" for runner in race["runners"]]
    prizes = [parse_money(runner["prize"]) for runner in gb_runners if blank(runner["prize"])]
    assert prizes and all(p is not None and p.currency is None and p.amount > 0 for p in prizes)


# ---------------------------------------------------------------------------------------------
# Hand-picked examples
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "-", "\u2013", "\u2014", "   ", " - ", "\t\u2013\n"])
def test_blank_missing(value: str | None) -> None:
    assert blank(value) is None


@pytest.mark.parametrize(
    ("value", "expected"), [(" PU ", "PU"), ("0", "0"), (158, "158"), (16.0, "16.0"), ("--", "--")]
)
def test_blank_present(value: str | int | float, expected: str) -> None:
    assert blank(value) == expected


@pytest.mark.parametrize("value", [True, ["1"], {"a": 1}, b"1"])
def test_blank_rejects_non_api_types(value: object) -> None:
    with pytest.raises(TypeError):
        blank(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "as_int", "as_float"),
    [
        ("158", 158, 158.0),
        ("16.0", 16, 16.0),
        ("10.5", None, 10.5),
        (".75", None, 0.75),
        (" 7 ", 7, 7.0),
        (12, 12, 12.0),
        ("-", None, None),
        ("\u2013", None, None),
        (None, None, None),
        ("1,234", None, None),
        ("nan", None, None),
        ("1e3", None, None),
        ("abc", None, None),
    ],
)
def test_numbers(value: str | int | None, as_int: int | None, as_float: float | None) -> None:
    assert to_int(value) == as_int
    assert to_float(value) == as_float


def test_to_decimal_is_exact() -> None:
    assert to_decimal("3245.08") == Decimal("3245.08")


@pytest.mark.parametrize(
    ("value", "yards"),
    [
        ("1m2f110y", 2310),
        ("2m4½f", 4510),
        ("5f", 1100),
        ("5½f", 1210),
        ("1m", 1760),
        ("2m53y", 3573),
        ("2m6f31y", 4871),
        ("7f213y", 1753),
        ("1m 2f", 2200),
        ("½f", 110),
        ("2M4F", 4400),
        ("", None),
        ("m", None),
        ("1m2x", None),
        ("1.5m", None),
    ],
)
def test_distance_to_yards(value: str, yards: int | None) -> None:
    assert distance_to_yards(value) == yards


@pytest.mark.parametrize(
    ("value", "furlongs"),
    [
        ("1m3f", 11.0),
        ("2m4½f", 20.5),
        ("5f", 5.0),
        ("8.0", 8.0),
        ("8f", 8.0),
        ("16", 16.0),
        ("10.5", 10.5),
        ("1m2f110y", 10.5),
        ("-8", None),
        ("-", None),
    ],
)
def test_to_furlongs(value: str, furlongs: float | None) -> None:
    assert to_furlongs(value) == furlongs


def test_unit_conversions() -> None:
    assert furlongs_to_yards(8) == 1760
    assert yards_to_furlongs(110) == 0.5
    assert yards_to_metres(1760) == pytest.approx(1609.344)
    assert furlongs_to_metres(1) == pytest.approx(201.168)


@pytest.mark.parametrize(
    ("value", "lbs"),
    [
        ("9-5", 131),
        ("8-10", 122),
        ("11-0", 154),
        ("10-13", 153),
        ("9st 5lb", 131),
        ("158", 158),
        ("9-14", None),
        ("-5", None),
        ("x", None),
    ],
)
def test_weight_to_lbs(value: str, lbs: int | None) -> None:
    assert weight_to_lbs(value) == lbs


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("186", LastRun(186, None, None)),
        ("204 (71F)", LastRun(204, 71, "F")),
        ("(32F)", LastRun(None, 32, "F")),
        ("()", None),
        ("", None),
    ],
)
def test_parse_last_run(value: str, expected: LastRun | None) -> None:
    assert parse_last_run(value) == expected


def test_lbs_to_weight() -> None:
    assert lbs_to_weight(131) == "9-5"
    assert lbs_to_weight(154) == "11-0"


@pytest.mark.parametrize(("value", "age"), [("5", 5), ("5yo", 5), ("10", 10), ("3yo+", None), ("", None)])
def test_parse_age(value: str, age: int | None) -> None:
    assert parse_age(value) == age


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13/8F", StartingPrice(13, 8, 2.625, "F")),
        ("9/4", StartingPrice(9, 4, 3.25, None)),
        ("Evs", StartingPrice(1, 1, 2.0, None)),
        ("EvensF", StartingPrice(1, 1, 2.0, "F")),
        ("evens", StartingPrice(1, 1, 2.0, None)),
        ("1/2JF", StartingPrice(1, 2, 1.5, "JF")),
        ("11/4J", StartingPrice(11, 4, 3.75, "JF")),
        ("10/1CF", StartingPrice(10, 1, 11.0, "CF")),
        ("4/5F", StartingPrice(4, 5, 1.8, "F")),
        ("100/30", StartingPrice(100, 30, float(1 + Fraction(100, 30)), None)),
        ("5/0", None),
        ("28", None),
        ("No Odds", None),
        ("", None),
    ],
)
def test_parse_sp(value: str, expected: StartingPrice | None) -> None:
    assert parse_sp(value) == expected


def test_favourite_flag() -> None:
    assert parse_sp("13/8F").is_favourite  # type: ignore[union-attr]
    assert not parse_sp("9/4").is_favourite  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "odds"), [("3.25", 3.25), ("1.80", 1.8), ("101.00", 101.0), ("0.5", None), ("-", None)]
)
def test_decimal_odds(value: str, odds: float | None) -> None:
    assert decimal_odds(value) == odds


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", Position(1, "1", True)),
        ("18", Position(18, "18", True)),
        ("PU", Position(None, "PU", False)),
        ("ur", Position(None, "ur", False)),
        ("F", Position(None, "F", False)),
        ("DSQ", Position(None, "DSQ", False)),
        ("Died as a 5", Position(None, "Died as a 5", False)),
        ("0", None),
        ("1st", None),
        ("XYZ", None),
        ("", None),
        ("\u2013", None),
    ],
)
def test_parse_position(value: str, expected: Position | None) -> None:
    assert parse_position(value) == expected


@pytest.mark.parametrize("code", sorted(parse.NON_FINISHER_CODES))
def test_every_status_code_is_a_non_finisher(code: str) -> None:
    assert parse_position(code) == Position(None, code, False)


@pytest.mark.parametrize(
    ("value", "lengths"),
    [
        ("1.5", 1.5),
        (".75", 0.75),
        ("0", 0.0),
        ("99", 99.0),
        ("nse", 0.05),
        ("shd", 0.1),
        ("sht-hd", 0.1),
        ("hd", 0.2),
        ("snk", 0.25),
        ("nk", 0.3),
        ("NK", 0.3),
        ("dht", 0.0),
        ("dist", 30.0),
        ("1/2", 0.5),
        ("1 1/4", 1.25),
        ("11/4", 2.75),
        ("2½", 2.5),
        ("¾", 0.75),
        ("0.75L", 0.75),
        ("3 lengths", 3.0),
        ("1/0", None),
        ("-", None),
        ("\u2013", None),
        ("far", None),
    ],
)
def test_beaten_lengths(value: str, lengths: float | None) -> None:
    assert beaten_lengths(value) == lengths


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2:5.65", 125.65),
        ("0:57.74", 57.74),
        ("4:05.00", 245.0),
        ("59.20", 59.2),
        ("1m 12.34s", 72.34),
        ("1m 43.25s (slow by 5.55s)", 103.25),
        ("57.74s (slow by 0.24s)", 57.74),
        ("2m 29.05s", 149.05),
        ("1:75.00", None),
        ("-", None),
        ("fast", None),
    ],
)
def test_race_time_seconds(value: str, seconds: float | None) -> None:
    assert race_time_seconds(value) == seconds


@pytest.mark.parametrize(
    ("value", "money"),
    [
        ("£4,193", Money(Decimal("4193"), "GBP")),
        ("€7080", Money(Decimal("7080"), "EUR")),
        ("3245.08", Money(Decimal("3245.08"), None)),
        ("£1.80", Money(Decimal("1.80"), "GBP")),
        ("€9", Money(Decimal("9"), "EUR")),
        ("£1,485,148.51", Money(Decimal("1485148.51"), "GBP")),
        ("£4,19", None),
        ("$5", None),
        ("", None),
    ],
)
def test_parse_money(value: str, money: Money | None) -> None:
    assert parse_money(value) == money


def test_parse_money_list() -> None:
    assert parse_money_list("£1.10 £1.80 £1.20") == (
        Money(Decimal("1.10"), "GBP"),
        Money(Decimal("1.80"), "GBP"),
        Money(Decimal("1.20"), "GBP"),
    )
    assert parse_money_list("£1.10 x") is None
    assert parse_money_list("") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2:12", time(14, 12)),
        ("8:30", time(20, 30)),
        ("9:30", time(21, 30)),
        ("1:55", time(13, 55)),
        ("12:40", time(12, 40)),
        ("11:05", time(11, 5)),
        ("10:50", time(10, 50)),
        ("14:12", time(14, 12)),
        ("0:30", None),
        ("2:75", None),
        ("", None),
    ],
)
def test_off_time_rule(value: str, expected: time | None) -> None:
    assert off_time_24h(value) == expected


def test_off_dt_wins_over_the_rule() -> None:
    assert off_time_24h("2:12", "2025-10-13T14:12:00+01:00") == time(14, 12)
    assert off_time_24h("9:00", datetime(2025, 1, 5, 9, 0, tzinfo=timezone.utc)) == time(9, 0)
    assert off_time_24h("2:12", "") == time(14, 12)  # unusable off_dt: fall back to the rule


def test_parse_off_dt_keeps_the_offset() -> None:
    moment = parse_off_dt("2025-10-13T14:12:00+01:00")
    assert moment == datetime(2025, 10, 13, 13, 12, tzinfo=timezone.utc)
    assert moment is not None and moment.utcoffset() == timedelta(hours=1)


def test_local_date_and_time_in_winter_and_summer() -> None:
    winter = parse_off_dt("2021-02-28T15:40:00+00:00")
    summer = parse_off_dt("2025-10-07T19:30:00+00:00")
    assert winter is not None and summer is not None
    assert local_date_and_time(winter) == (date(2021, 2, 28), time(15, 40))
    assert local_date_and_time(summer) == (date(2025, 10, 7), time(20, 30))
    assert off_time_from_dt(summer) == time(20, 30)


def test_local_date_and_time_refuses_naive() -> None:
    with pytest.raises(ValueError):
        local_date_and_time(datetime(2025, 10, 13, 14, 12))


def test_odds_updated_is_uk_time() -> None:
    summer = parse_datetime("2025-10-13 14:11:07")
    winter = parse_datetime("2025-12-13 14:11:07")
    assert summer == datetime(2025, 10, 13, 13, 11, 7, tzinfo=timezone.utc)
    assert winter == datetime(2025, 12, 13, 14, 11, 7, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", ["2025-10-13", "13/10/2025 14:00", "2025-10-13T25:00:00", "", "soon"])
def test_parse_datetime_rejects(value: str) -> None:
    assert parse_datetime(value) is None


def test_off_datetime_from_date_and_clock() -> None:
    assert off_datetime("2025-10-13", "2:12") == datetime(2025, 10, 13, 14, 12, tzinfo=LONDON)
    assert off_datetime(date(2025, 1, 4), "12:40") == datetime(2025, 1, 4, 12, 40, tzinfo=timezone.utc)
    assert off_datetime("", "2:12") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2025-10-13", date(2025, 10, 13)), ("2025-02-30", None), ("20251013", None), ("", None)],
)
def test_parse_date(value: str, expected: date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("GB", "gb"),
        ("gb", "gb"),
        ("IRE", "ire"),
        (" FR ", "fr"),
        ("Great Britain", None),
        ("G1", None),
        ("", None),
    ],
)
def test_region_code(value: str, code: str | None) -> None:
    assert region_code(value) == code


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Create (IRE)", ("Create", "IRE")),
        ("Zapata I (IRE)", ("Zapata I", "IRE")),
        ("Dundalk (AW) (IRE)", ("Dundalk (AW)", "IRE")),
        ("Kempton (AW)", ("Kempton (AW)", None)),
        ("Border Gem", ("Border Gem", None)),
        ("Fletcher's Flight (IRE)", ("Fletcher's Flight", "IRE")),
        ("(IRE)", ("(IRE)", None)),
        ("", None),
    ],
)
def test_split_country_suffix(value: str, expected: tuple[str, str | None] | None) -> None:
    assert split_country_suffix(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("colt", "C"),
        ("filly", "F"),
        ("Gelding", "G"),
        ("mare", "M"),
        ("horse", "H"),
        ("rig", "R"),
        ("C", "C"),
        ("f", "F"),
        ("M", "M"),
        ("X", None),
        ("", None),
    ],
)
def test_sex_code(value: str, code: str | None) -> None:
    assert sex_code(value) == code


def test_parse_failed_tells_missing_from_unreadable() -> None:
    assert parse_failed("XYZ", parse_position("XYZ"))
    assert not parse_failed("-", beaten_lengths("-"))
    assert not parse_failed("1.5", beaten_lengths("1.5"))


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

TEXT_PARSERS: list[Callable[[str], object]] = [
    blank,
    to_int,
    to_float,
    to_decimal,
    distance_to_yards,
    to_furlongs,
    weight_to_lbs,
    parse_age,
    parse_last_run,
    parse_sp,
    decimal_odds,
    parse_position,
    beaten_lengths,
    race_time_seconds,
    parse_money,
    parse_money_list,
    parse_date,
    parse_datetime,
    off_time_24h,
    region_code,
    split_country_suffix,
    sex_code,
]


@pytest.mark.parametrize("parser", TEXT_PARSERS, ids=lambda p: p.__name__)
@given(text=st.text(max_size=30))
def test_parsers_never_raise_on_text(parser: Callable[[str], object], text: str) -> None:
    parser(text)


@given(
    text=st.text(alphabet="0123456789.:/-£€mfy½ ,", max_size=15),
)
def test_parsers_never_raise_on_racing_looking_text(text: str) -> None:
    for parser in TEXT_PARSERS:
        parser(text)


SPACE = st.text(" \t\n", max_size=3)


@given(token=st.sampled_from(sorted(parse.MISSING_TOKENS)), left=SPACE, right=SPACE)
def test_missing_tokens_are_missing_for_every_parser(token: str, left: str, right: str) -> None:
    for parser in TEXT_PARSERS:
        assert parser(left + token + right) is None, parser.__name__


@given(miles=st.integers(0, 5), furlongs=st.integers(0, 7), half=st.booleans(), yards=st.integers(0, 219))
def test_distance_string_to_yards(miles: int, furlongs: int, half: bool, yards: int) -> None:
    furlong_part = f"{furlongs}{'½' if half else ''}f" if furlongs or half else ""
    text = (f"{miles}m" if miles else "") + furlong_part + (f"{yards}y" if yards else "")
    expected = miles * 1760 + furlongs * 220 + (110 if half else 0) + yards
    if not text:
        assert distance_to_yards(text) is None
        return
    assert distance_to_yards(text) == expected
    assert to_furlongs(text) == pytest.approx(expected / 220)


@given(furlongs=st.floats(0, 50, allow_nan=False))
def test_furlongs_yards_round_trip(furlongs: float) -> None:
    assert math.isclose(yards_to_furlongs(furlongs_to_yards(furlongs)), furlongs, abs_tol=1e-9)
    via_yards = yards_to_metres(furlongs_to_yards(furlongs))
    assert math.isclose(furlongs_to_metres(furlongs), via_yards, abs_tol=1e-9)


@given(half_furlongs=st.integers(0, 80))
def test_half_furlongs_are_whole_yards(half_furlongs: int) -> None:
    assert furlongs_to_yards(half_furlongs / 2) == half_furlongs * 110


@given(lbs=st.integers(0, 400))
def test_weight_round_trip(lbs: int) -> None:
    assert weight_to_lbs(lbs_to_weight(lbs)) == lbs


@given(stones=st.integers(0, 20), pounds=st.integers(0, 13))
def test_stones_pounds(stones: int, pounds: int) -> None:
    assert weight_to_lbs(f"{stones}-{pounds}") == 14 * stones + pounds


@given(
    numerator=st.integers(1, 1000),
    denominator=st.integers(1, 100),
    mark=st.sampled_from(["", "F", "JF", "J", "CF", "C"]),
)
def test_sp_decimal_is_one_plus_fraction(numerator: int, denominator: int, mark: str) -> None:
    sp = parse_sp(f"{numerator}/{denominator}{mark}")
    assert sp is not None
    assert sp.decimal >= 1
    assert sp.decimal == pytest.approx(1 + numerator / denominator)
    assert sp.favourite == {"": None, "F": "F", "JF": "JF", "J": "JF", "CF": "CF", "C": "CF"}[mark]


@given(minutes=st.integers(0, 12), hundredths=st.integers(0, 5999))
def test_race_time_unpadded_clock(minutes: int, hundredths: int) -> None:
    seconds = Decimal(hundredths) / 100
    text = f"{minutes}:{seconds}"  # not zero-padded, like the API's "2:5.65"
    assert race_time_seconds(text) == float(minutes * 60 + seconds)
    assert race_time_seconds(f"{minutes}m {seconds}s") == float(minutes * 60 + seconds)


@given(pounds=st.integers(0, 10**9), pence=st.integers(0, 99), symbol=st.sampled_from(["", "£", "€"]))
def test_money_with_thousands_separators(pounds: int, pence: int, symbol: str) -> None:
    money = parse_money(f"{symbol}{pounds:,}.{pence:02d}")
    assert money == Money(Decimal(pounds) + Decimal(pence) / 100, {"": None, "£": "GBP", "€": "EUR"}[symbol])


@given(whole=st.integers(0, 40), quarters=st.integers(0, 3))
def test_beaten_lengths_fractions(whole: int, quarters: int) -> None:
    symbol = ["", "¼", "½", "¾"][quarters]
    expected = whole + quarters / 4
    assert beaten_lengths(f"{whole}{symbol}") == expected
    assert beaten_lengths(str(expected)) == expected
    if quarters:
        assert beaten_lengths(f"{whole} {quarters}/4") == expected


@given(hour=st.integers(1, 12), minute=st.integers(0, 59))
def test_off_time_rule_stays_inside_the_racing_day(hour: int, minute: int) -> None:
    clock = off_time_24h(f"{hour}:{minute:02d}")
    assert clock is not None
    assert time(10, 0) <= clock <= time(21, 59)
    assert clock.minute == minute and clock.hour % 12 == hour % 12


UTC_MOMENTS = st.datetimes(datetime(2000, 1, 1), datetime(2035, 12, 31), timezones=st.just(timezone.utc))


@given(moment=UTC_MOMENTS)
def test_local_date_and_time_round_trips(moment: datetime) -> None:
    day, clock = local_date_and_time(moment)
    fold = moment.astimezone(LONDON).fold  # which of the autumn's two 01:xx hours
    assert datetime.combine(day, clock, tzinfo=LONDON).replace(fold=fold) == moment


@given(moment=UTC_MOMENTS)
def test_parse_datetime_round_trips_iso(moment: datetime) -> None:
    assert parse_datetime(moment.isoformat()) == moment
