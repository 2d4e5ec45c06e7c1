"""No value a payload carries is lost: every recorded body and simulator bodies in both dialects,
written racecards→results and results→racecards, and rerun, on both engines.

The check is :func:`darkhorses.ops.fidelity.check_fidelity`: for every column the schema maps
to an API field, each present value of each payload must be found in its stored row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from darkhorses.db.schema import ra_mst_horses, ra_mst_race_results, ra_mst_runners
from darkhorses.db.upsert import upsert
from darkhorses.ingest.transform import Batch, course_rows, horse_profile_rows, racecard_rows, region_rows, result_rows
from darkhorses.ingest.writer import write_batch
from darkhorses.ops.fidelity import Payload, archive_payloads, check_fidelity, field_mappings, matches
from darkhorses.racing_api import endpoints as api
from darkhorses.racing_api.archive import RawArchive
from darkhorses.racing_api.models import (
    CoursesPage, HorsePro, HorseStandard, Racecard, RacecardsPage, Region, ResultsPage, parse_body,
)
from darkhorses.simulator.habits import race_habits
from darkhorses.simulator.world import World

COURSES, HORSE_PRO, HORSE_STANDARD, RACECARDS, REGIONS, RESULTS = (endpoint.template for endpoint in (
    api.COURSES, api.HORSE_PRO, api.HORSE_STANDARD, api.RACECARDS_PRO, api.REGIONS, api.RESULTS))
"""Payloads are archived under their route templates."""

API = Path(__file__).parents[1] / "fixtures" / "api"
ENTITY_RESULTS = ("horse_results", "jockey_results", "trainer_results", "owner_results", "dam_results",
                  "damsire_results")


def _fixture(name: str) -> Any:
    return json.loads((API / f"{name}.json").read_text())


def recorded_payloads() -> list[Payload]:
    """Every recorded body the pipeline can store, with the endpoint that sent it."""
    payloads: list[Payload] = [(COURSES, _fixture(name)) for name in ("courses", "courses_ire", "courses_all_regions")]
    payloads.append((REGIONS, _fixture("regions")))
    payloads += [(RACECARDS, _fixture("racecards_pro")), (RACECARDS, _fixture("racecard_pro_single_race"))]
    payloads += [(RESULTS, _fixture("results")), *((RESULTS, _fixture(name)) for name in ENTITY_RESULTS)]
    payloads += [(HORSE_PRO, body) for body in _fixture("horse_pro")]
    payloads.append((HORSE_STANDARD, _fixture("horse_standard")))
    return payloads


SIM_DAY = dt.date(2026, 11, 18)


def simulator_payloads(dialect: str, races: int = 8) -> list[Payload]:
    """A simulated day's racecards and results: the first ``races`` races and every race whose
    result blanks the ratings its racecard carried (odds left out: they are not mapped by a plain
    field path, and they are most of a racecard's bytes)."""
    world = World(seed=1, today=SIM_DAY + dt.timedelta(days=2))
    blanked = {race.race_id for race in world.races(SIM_DAY) if race_habits(1, race.race_id).blanked_ratings}
    cards = [{**card, "runners": [{k: v for k, v in runner.items() if k != "odds"} for runner in card["runners"]]}
             for n, card in enumerate(world.racecards(SIM_DAY, dialect)) if n < races or card["race_id"] in blanked]
    ids = {card["race_id"] for card in cards}
    results = [result for result in world.results(SIM_DAY, dialect) if result["race_id"] in ids]
    assert blanked & {result["race_id"] for result in results}, "the day should have a result that blanks ratings"
    page = {"skip": 0, "limit": 500, "query": []}
    return [(RACECARDS, {"racecards": cards, "total": len(cards), **page}),
            (RESULTS, {"results": results, "total": len(results), **page})]


def _batches(endpoint: str, body: Any) -> Iterable[Batch]:
    text = json.dumps(body, ensure_ascii=False)
    if endpoint == RACECARDS:
        cards = parse_body(RacecardsPage, text).racecards if "racecards" in body else [parse_body(Racecard, text)]
        yield from map(racecard_rows, cards)
    elif endpoint == RESULTS:
        yield from map(result_rows, parse_body(ResultsPage, text).results)
    elif endpoint == COURSES:
        yield course_rows(parse_body(CoursesPage, text).courses)
    elif endpoint == REGIONS:
        yield region_rows(parse_body(list[Region], text))
    else:
        profile = parse_body(HorsePro if endpoint == HORSE_PRO else HorseStandard, text)
        yield horse_profile_rows(profile.id, profile, "pro" if endpoint == HORSE_PRO else "standard",
                                 dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))


def write(connection: Connection, payloads: Iterable[Payload]) -> None:
    """What a fetch does with each body; a horse is discovered before it is enriched."""
    for endpoint, body in payloads:
        if endpoint in (HORSE_PRO, HORSE_STANDARD):
            upsert(connection, ra_mst_horses, [{"id": body["id"], "name": body["id"]}], update_existing=False)
        for batch in _batches(endpoint, body):
            write_batch(connection, batch)


def _ordered(payloads: list[Payload], first: str) -> list[Payload]:
    """Racecards first or results first; reference data and profiles keep their place."""
    rank = {first: 0, RACECARDS: 1, RESULTS: 1}
    return sorted(payloads, key=lambda payload: rank.get(payload[0], 0 if payload[0] in (COURSES, REGIONS) else 2))


def _assert_nothing_lost(engine: Engine, payloads: list[Payload], first: str) -> None:
    ordered = _ordered(payloads, first)
    for run in ("first run", "rerun"):
        with engine.begin() as connection:
            write(connection, ordered)
        with engine.connect() as connection:
            report = check_fidelity(connection, payloads, examples=8)
        assert report.present > 0
        lost = {t.table: (t.lost, t.lost_examples) for t in report.tables if t.lost}
        assert lost == {}, f"{first} first, {run}: {report.lost} of {report.present} values lost: {lost}"


@pytest.mark.parametrize("first", [RACECARDS, RESULTS], ids=["racecards-first", "results-first"])
def test_every_recorded_value_is_stored(engine: Engine, first: str) -> None:
    _assert_nothing_lost(engine, recorded_payloads(), first)


@pytest.mark.parametrize("dialect", ["2025", "2026"])
@pytest.mark.parametrize("first", [RACECARDS, RESULTS], ids=["racecards-first", "results-first"])
def test_every_simulated_value_is_stored(engine: Engine, first: str, dialect: str) -> None:
    _assert_nothing_lost(engine, simulator_payloads(dialect), first)


def test_the_check_sees_a_value_a_later_payload_erased(engine: Engine) -> None:
    """The check can fail: a rating the racecard carried, set to NULL behind the pipeline's back,
    is reported with its cell."""
    payloads = recorded_payloads()
    with engine.begin() as connection:
        write(connection, payloads)
        connection.execute(ra_mst_runners.update().values(rpr=None))
        connection.execute(ra_mst_race_results.update().values(sex=None))
    with engine.connect() as connection:
        report = check_fidelity(connection, payloads)
    by_table = {t.table: t for t in report.tables}
    assert by_table["ra_mst_runners"].lost > 0 and by_table["ra_mst_race_results"].lost > 0
    assert any(".rpr: '" in example for example in by_table["ra_mst_runners"].lost_examples)
    assert report.lost == sum(t.lost for t in report.tables) > 0


def test_the_schema_maps_the_fields_the_issue_names() -> None:
    """Result-only runners and races: every results field a contract column lists is followed."""
    mapped = {(m.table, m.column, m.endpoint, m.name) for m in field_mappings()}
    for expected in [
        ("ra_mst_runners", "sex", RESULTS, "sex"), ("ra_mst_runners", "race_comment", RESULTS, "comment"),
        ("ra_mst_runners", "rpr", RACECARDS, "rpr"), ("ra_mst_runners", "result_rpr", RESULTS, "rpr"),
        ("ra_mst_runners", "ts", RACECARDS, "ts"), ("ra_mst_runners", "result_tsr", RESULTS, "tsr"),
        ("ra_mst_runners", "draw_raw", RACECARDS, "draw"), ("ra_mst_races", "distance", RESULTS, "dist"),
        ("ra_mst_races", "distance_f", RESULTS, "dist_f"), ("ra_mst_races", "distance_m", RESULTS, "dist_m"),
        ("ra_mst_horses", "sex", RESULTS, "sex"),
    ]:
        assert expected in mapped


@pytest.mark.parametrize(
    ("stored", "raw", "how", "expected"),
    [(16.0, "16.0", None, True), (8, "8f", None, True), ("Create", "Create (IRE)", None, True),
     ("gelding", "G", None, True), ("G", "gelding", None, True), ("gb", "GB", None, True),
     ("James Turner", "James Turner(5)", None, True), (7080.0, "€7080", "amount", True), (None, "5", None, False),
     (5, "6", None, False), ("colt", "F", None, False), (dt.date(2025, 10, 13), "2025-10-13", None, True)],
)
def test_matches_reads_a_raw_value_as_its_column_does(stored: Any, raw: Any, how: str | None, expected: bool) -> None:
    assert matches(stored, raw, how) is expected


def test_the_check_runs_on_a_raw_archive(engine: Engine, tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    for endpoint, body in recorded_payloads():
        archive.record(endpoint, endpoint, [], 200, json.dumps(body))
    archive.record(RESULTS, RESULTS, [], 500, "oops")
    archive.close()
    payloads = list(archive_payloads(tmp_path))
    assert len(payloads) == len(recorded_payloads())
    with engine.begin() as connection:
        write(connection, payloads)
    with engine.connect() as connection:
        report = check_fidelity(connection, archive_payloads(tmp_path))
        assert report.payloads == len(payloads) and report.present == report.stored > 1000
        assert connection.scalar(select(ra_mst_runners.c.sex).where(ra_mst_runners.c.sex.is_not(None)).limit(1))


_KEPT = {"race_id", "horse_id", "id", "region_code", "date", "race_name", "horse", "course", "name", "number",
         "runners", "racecards", "results", "courses", "total", "limit", "skip", "query"}
"""What a blanked copy keeps: keys, the NOT NULL values a row cannot be written without (their
stand-ins would replace them), and the runner's number, which says who is a non-runner."""
_MARKERS = ("", "-", "\u2013", "\u2014", "None", None)


def _blanked(value: Any, counter: list[int]) -> Any:
    """``value`` with every other scalar a missing marker, cycling through all of them."""
    if isinstance(value, list):  # a list of strings (past_results_flags) is one value, kept as sent
        return [_blanked(item, counter) for item in value] if all(isinstance(v, dict) for v in value) else value
    if isinstance(value, dict):
        return {key: item if key in _KEPT and not isinstance(item, (dict, list)) or key in ("odds", "query")
                else _blanked(item, counter) for key, item in value.items()}
    if isinstance(value, bool):
        return value
    counter[0] += 1
    return _MARKERS[counter[0] % len(_MARKERS)]


@pytest.mark.parametrize("dialect", ["recorded", "2025", "2026"])
def test_a_payload_of_missing_values_changes_no_stored_value(engine: Engine, dialect: str) -> None:
    """Every column of every table at once: the same payloads again, with every value but the
    keys and names blanked with every kind of marker, in both orders, leave every table's data
    exactly as it was (the content digest leaves out only bookkeeping)."""
    from darkhorses.ops.digest import database_digest, differing

    payloads = recorded_payloads() if dialect == "recorded" else simulator_payloads(dialect, races=4)
    payloads = [p for p in payloads if p[0] not in (HORSE_PRO, HORSE_STANDARD)]  # enrichment replaces by design
    with engine.begin() as connection:
        write(connection, _ordered(payloads, RACECARDS))
    before = database_digest(engine)
    blanked = [(endpoint, _blanked(body, [0])) for endpoint, body in payloads]
    for first in (RESULTS, RACECARDS):
        with engine.begin() as connection:
            write(connection, _ordered(blanked, first))
        assert differing(before, database_digest(engine)) == [], first
