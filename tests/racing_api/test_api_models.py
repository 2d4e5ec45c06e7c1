"""Models accept both API generations, normalise missing markers, and count unknown keys."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from darkhorses.racing_api import BadPayload, blank_to_none, unknown_fields
from darkhorses.racing_api.models import (
    Analysis,
    CoursesPage,
    HorseDistanceTimes,
    HorsePro,
    HorseSearchResults,
    HorseStandard,
    Racecard,
    RacecardsPage,
    Region,
    ResultsPage,
    SearchResults,
    parse_body,
)

from .conftest import FIXTURES, fixture_json, fixture_text

SHAPES: dict[str, Any] = {
    "courses.json": CoursesPage,
    "courses_ire.json": CoursesPage,
    "courses_all_regions.json": CoursesPage,
    "regions.json": list[Region],
    "racecards_pro.json": RacecardsPage,
    "racecard_pro_single_race.json": Racecard,
    "results.json": ResultsPage,
    "horse_results.json": ResultsPage,
    "jockey_results.json": ResultsPage,
    "trainer_results.json": ResultsPage,
    "owner_results.json": ResultsPage,
    "dam_results.json": ResultsPage,
    "damsire_results.json": ResultsPage,
    "horse_pro.json": list[HorsePro],
    "horse_standard.json": HorseStandard,
    "search_horses.json": HorseSearchResults,
    "search_jockeys.json": SearchResults,
    "search_trainers.json": SearchResults,
    "search_owners.json": SearchResults,
    "jockey_analysis_courses.json": Analysis,
    "trainer_analysis_horse_age.json": Analysis,
    "owner_analysis_trainers.json": Analysis,
    "horse_analysis_distance_times.json": HorseDistanceTimes,
}


def test_every_recorded_200_body_has_a_model() -> None:
    recorded = {p.name for p in FIXTURES.glob("*.json") if not p.name.startswith("error_")}
    assert recorded == set(SHAPES)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_recorded_bodies_parse_with_every_key_known(name: str) -> None:
    model = parse_body(SHAPES[name], fixture_text(name))
    assert unknown_fields(model) == Counter()


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_dumping_by_alias_gives_back_every_recorded_key(name: str) -> None:
    """Nothing is dropped or renamed: the model round-trips to the API's own keys."""
    body = fixture_json(name)
    model = parse_body(SHAPES[name], fixture_text(name))
    items = model if isinstance(model, list) else [model]
    originals = body if isinstance(body, list) else [body]
    for item, original in zip(items, originals):
        assert set(item.model_dump(by_alias=True)) >= set(original)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", None), ("-", None), ("\u2013", None), ("\u2014", None), ("None", None), (" None ", None), ("  ", None),
     (None, None), ("Nonesuch", "Nonesuch"), ("0", "0"), ("-1", "-1"),
     ("542-", "542-"), ("PU", "PU"), (0, 0), (False, False), ([], [])],
)
def test_blank_to_none(value: object, expected: object) -> None:
    assert blank_to_none(value) == expected


def test_every_marker_becomes_none_in_a_body_read_from_text() -> None:
    """Real bodies say "no value" as ``"None"`` and the em dash too; read from text (the fast
    path) or from decoded data, a marker is ``None`` and the one definition in ``parse`` decides."""
    from darkhorses import parse
    from darkhorses.racing_api.models import RacecardsPage

    body = fixture_json("racecards_pro.json")
    runner = body["racecards"][0]["runners"][0]
    runner["trainer_14_days"]["percent"], runner["rpr"], runner["ts"] = "None", "\u2014", " None"
    page = parse_body(RacecardsPage, json.dumps(body, ensure_ascii=False))
    parsed = page.racecards[0].runners[0]
    assert (parsed.trainer_14_days.percent, parsed.rpr, parsed.ts) == (None, None, None)
    assert {"None", "\u2014", "\u2013", "-", ""} <= parse.MISSING_TOKENS


def test_2025_markers_become_none() -> None:
    page = parse_body(ResultsPage, fixture_text("results.json"))
    runner = page.results[0].runners[2]
    assert runner.tsr is None and page.results[0].comments is None  # "–" and ""
    card = parse_body(RacecardsPage, fixture_text("racecards_pro.json")).racecards[0]
    assert card.runners[0].ofr is None and card.going_detailed is None  # "-" and ""


def test_2026_nulls_and_new_fields_are_accepted() -> None:
    body = fixture_json("results.json")
    race = body["results"][0]
    race.update({"surface": None, "jumps": None, "tote_win": None, "comments": None})
    race["runners"][0].update({"bsp": "3.6", "rpr": None, "silk_url": None, "jockey_claim_lbs": None})
    model = parse_body(ResultsPage, json.dumps(body))
    parsed = model.results[0]
    assert parsed.surface is None and parsed.runners[0].rpr is None
    assert parsed.runners[0].bsp == "3.6"  # 2026 field, modelled
    assert unknown_fields(model) == Counter()


def test_null_lists_become_empty_lists() -> None:
    body = fixture_json("racecard_pro_single_race.json")
    body["runners"][0].update({"odds": None, "prev_trainers": None, "quotes": None, "trainer_14_days": None})
    card = parse_body(Racecard, json.dumps(body))
    assert card.runners[0].odds == [] and card.runners[0].prev_trainers == [] and card.runners[0].trainer_14_days is None
    assert parse_body(ResultsPage, '{"results": null, "total": 0, "limit": 100, "skip": 0}').results == []


def test_numbers_where_strings_were_sent_are_kept_as_text() -> None:
    card = parse_body(Racecard, json.dumps({"race_id": "rac_1", "field_size": 8, "distance_f": 16.0, "runners": []}))
    assert (card.field_size, card.distance_f) == ("8", "16.0")


def test_unknown_fields_are_kept_and_counted_by_path() -> None:
    body = fixture_json("racecards_pro.json")
    for card in body["racecards"]:
        card["race_status"] = "Open"  # known since 2026
        card["new_race_key"] = "x"
        for runner in card["runners"]:
            runner["new_runner_key"] = 1
    page = parse_body(RacecardsPage, json.dumps(body))
    assert unknown_fields(page) == Counter({"racecards[].new_race_key": 2, "racecards[].runners[].new_runner_key": 13})
    assert page.racecards[0].model_extra == {"new_race_key": "x"}


def test_unknown_fields_are_found_at_every_depth() -> None:
    body = fixture_json("racecards_pro.json")
    runner = body["racecards"][1]["runners"][0]
    runner["trainer_14_days"] = {"runs": "4", "wins": "1", "percent": "25", "new_stat": "x"}
    runner["odds"][0]["new_odds_key"] = 1
    runner["odds"][1]["history"] = [{"fractional": "2/1", "decimal": "3.0", "changed_at": "2025-10-01 12:00:00",
                                     "new_history_key": True}]
    page = parse_body(RacecardsPage, json.dumps(body))
    expected = Counter({"racecards[].runners[].trainer_14_days.new_stat": 1,
                        "racecards[].runners[].odds[].new_odds_key": 1,
                        "racecards[].runners[].odds[].history[].new_history_key": 1})
    assert unknown_fields(page) == expected
    assert unknown_fields(page.racecards, "racecards") == expected  # a list at the top
    assert unknown_fields([page.racecards], "pages") == Counter(  # a list of lists
        {key.replace("racecards[]", "pages[][]"): count for key, count in expected.items()})


def test_envelope_without_its_item_list_is_bad_payload() -> None:
    with pytest.raises(BadPayload, match="racecards: Field required"):
        parse_body(RacecardsPage, '{"detail": "maintenance", "total": 0}', path="/v1/racecards/pro")


def test_bad_payload_keeps_raw_text_and_path() -> None:
    with pytest.raises(BadPayload) as caught:
        parse_body(HorsePro, "{not json", path="/v1/horses/hrs_1/pro", status=200)
    assert caught.value.raw == "{not json" and caught.value.path == "/v1/horses/hrs_1/pro"
    assert str(caught.value).startswith("The Racing API sent a body for /v1/horses/hrs_1/pro that does not fit")


@pytest.mark.parametrize("ascii_only", [True, False])
def test_text_and_python_data_are_cleaned_alike(ascii_only: bool) -> None:
    """parse_body cleans the JSON text, model_validate the decoded data: same models either way,
    whatever the markers look like and wherever colons, dashes and escapes sit in the text."""
    runner = {
        "horse_id": "hrs_1", "horse": "A: \"-\"", "dob": " - ", "age": "\u2013", "sex": "  ", "colour": "--",
        "region": "-\t", "draw": "\u2013 ", "comment": 'said: "" then -', "form": "-1", "lbs": 131,
        "past_results_flags": ["", "-", "C"], "odds": [{"bookmaker": "x:", "fractional": "", "history": None}],
        "prev_trainers": None, "trainer_14_days": {"runs": "", "wins": "-", "percent": "3"},
        "a_new_key": "-", "runners_note:": {"runners": None},
    }
    body = {"race_id": "rac_1", "course": "", "distance_f": "-", "runners": [runner], "big_race": None}
    text = json.dumps(body, ensure_ascii=ascii_only)
    from_text = parse_body(Racecard, text)
    assert from_text == Racecard.model_validate(json.loads(text)) == Racecard.model_validate_json(text)
    parsed = from_text.runners[0]
    assert (parsed.horse, parsed.dob, parsed.age, parsed.sex, parsed.colour, parsed.region, parsed.draw) == (
        'A: "-"', None, None, None, "--", None, None)
    assert (parsed.comment, parsed.form, parsed.lbs, parsed.past_results_flags) == ('said: "" then -', "-1", "131",
                                                                                   ["", "-", "C"])
    assert parsed.odds[0].bookmaker == "x:" and parsed.odds[0].fractional is None and parsed.odds[0].history == []
    assert parsed.prev_trainers == [] and parsed.trainer_14_days is not None
    assert (parsed.trainer_14_days.runs, parsed.trainer_14_days.wins) == (None, None)
    assert from_text.course is None and from_text.distance_f is None
    assert parsed.model_extra == {"a_new_key": None, "runners_note:": {"runners": None}}


def test_a_null_that_is_a_list_here_and_a_count_elsewhere() -> None:
    assert parse_body(Racecard, '{"race_id": "rac_1", "runners": null}').runners == []
