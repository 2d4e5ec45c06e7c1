"""docs/statistics.md, "The racecard": the worked example reproduced on both engines, and no
leakage: a runner's pre-race figures (on the card and in the ``results`` export) do not change
when its own result is written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from darkhorses.db import schema
from darkhorses.ops.card import CardRunner, Record, build_card
from darkhorses.ops.export import ExportSource, export
from darkhorses.stats.populate import populate

from .conftest import BATCH_TS, Racing

DOC = Path(__file__).resolve().parents[2] / "docs" / "statistics.md"
D = dt.date(2025, 3, 10)
FLAT_GOOD = {"course": "C1", "race_class": "Class 4", "race_type": "Flat", "going": "Good"}


def build_example(racing: Racing) -> Racing:
    """The worked example: H by S out of a daughter of X; H2 by S; H3 out of another daughter of X."""
    racing.horse("h", sire="sir_s", dam="dam_h", damsire="dsi_x")
    racing.horse("h2", sire="sir_s", dam="dam_h2", damsire="dsi_y")
    racing.horse("h3", sire="sir_z", dam="dam_h3", damsire="dsi_x")
    racing.horse("h4", sire="sir_w", dam="dam_h4", damsire="dsi_w")
    races = [("r1", dt.date(2025, 2, 1), "C1", 8, "h", "1", "j", "t", 4.0),
             ("r2", dt.date(2025, 2, 20), "C2", 10, "h", "3", "k", "t", 6.0),
             ("r3", dt.date(2025, 3, 1), "C2", 8, "h2", "1", "j", "u", 3.0),
             ("r4", dt.date(2025, 3, 5), "C1", 8, "h3", "2", "j", "t", 5.0),
             ("r5", D, "C1", 8, "h4", "1", "j", "t", 2.0),
             ("r6", dt.date(2025, 3, 20), "C1", 8, "h", "1", "j", "t", 2.5)]
    for race_id, day, course, furlongs, horse, position, jockey, trainer, sp in races:
        racing.race(race_id, day, course, "Class 4", furlongs, hour=13)
        racing.run(race_id, horse, position, jockey=jockey, trainer=trainer, sp=sp)
    racing.race("rc", D, "C1", "Class 4", 8, result=False, hour=15)
    racing.run("rc", "h", None, jockey="j", trainer="t")
    racing.save()
    with racing.engine.begin() as connection:
        connection.execute(insert(schema.ra_mst_race_results), [
            {"race_id": race_id, "horse_id": "h", "rpr": rpr, "tsr": ts}
            for race_id, rpr, ts in (("r1", 85, 70), ("r2", 90, 60), ("r6", 120, 99))])
        connection.execute(insert(schema.ra_mst_bookmakers), [
            {"id": 1, "name": "Bet365", "code": "bet365"}, {"id": 2, "name": "William Hill", "code": "williamhill"}])
        connection.execute(insert(schema.ra_runner_odds), [
            {"race_id": "rc", "horse_id": "h", "bookmaker_id": 1, "fractional_odds": "9/2", "decimal_odds": 5.5},
            {"race_id": "rc", "horse_id": "h", "bookmaker_id": 2, "fractional_odds": "5/1", "decimal_odds": 6.0}])
    return racing


@pytest.fixture
def example(racing: Racing) -> Racing:
    return build_example(racing)


def _shown(record: Record) -> str:
    return f"{record.runs} runs, {record.wins} won, {record.win_pct:.2f} %, A/E {record.ae:.3f}"


def _card_line(runner: CardRunner) -> dict[str, str]:
    price = runner.best_price
    assert price is not None
    return {
        "days since last run": str(runner.days_since_last_run),
        "flags": runner.flags,
        "going": _shown(runner.going),
        "distance band": _shown(runner.distance_band),
        "jockey 14 days": _shown(runner.jockey_14_days),
        "trainer 14 days": _shown(runner.trainer_14_days),
        "jockey + trainer": _shown(runner.jockey_trainer),
        "sire, Flat, Mile": _shown(runner.sire_type_band),
        "damsire, Flat, Mile": _shown(runner.damsire_type_band),
        "best RPR / TS": f"{runner.best_rpr} / {runner.best_ts}",
        "best price": f"{price.decimal:.1f} {price.bookmaker}",
    }


def _documented() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- card example: start -->")[1].split("<!-- card example: end -->")[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in block.strip().splitlines()[2:]]
    return {label: value for label, value in rows}


def _the_runner(engine: Engine) -> CardRunner:
    card = build_card(engine, D, race_id="rc")
    (race,) = card.races
    (runner,) = race.runners
    return runner


def test_the_documented_example(example: Racing) -> None:
    runner = _the_runner(example.engine)
    assert _card_line(runner) == _documented()
    assert runner.course_winner and runner.distance_winner and runner.course_distance_winner
    shown = json.loads(json.dumps(build_card(example.engine, D).to_json()))["races"][1]["runners"][0]
    assert (shown["horse_id"], shown["going"], shown["flags"]) == (
        "h", {"runs": 2, "wins": 1, "win_pct": 50.0, "ae": 2.4}, "CD")


def test_the_card_does_not_change_when_its_result_is_written(example: Racing) -> None:
    before = _the_runner(example.engine)
    with example.engine.begin() as connection:
        connection.execute(update(schema.ra_mst_races).where(schema.ra_mst_races.c.id == "rc").values(has_result=True))
        connection.execute(update(schema.ra_mst_runners).where(schema.ra_mst_runners.c.race_id == "rc").values(
            position=1, position_raw="1", starting_price_decimal=11.0))
        connection.execute(insert(schema.ra_mst_race_results).values(race_id="rc", horse_id="h", rpr=150, tsr=140))
    assert _the_runner(example.engine) == before


def test_results_export_keeps_the_pre_race_figures_of_the_racecard(example: Racing, tmp_path: Path) -> None:
    """Before the race the ``racecards`` export shows H's pre-race form; after its result is written
    and the statistics recomputed, the ``results`` export shows the same pre-race figures."""
    engine = example.engine
    populate(engine, tables=["ra_runner_statistics"], as_of=dt.date(2025, 3, 31), now=BATCH_TS)
    card_file, result_file = tmp_path / "card.jsonl", tmp_path / "results.jsonl"
    export(engine, ExportSource(preset="racecards", since=D, until=D), "jsonl", card_file)
    declared = next(r for r in map(json.loads, card_file.read_text().splitlines()) if r["race_id"] == "rc")
    with engine.begin() as connection:
        connection.execute(update(schema.ra_mst_races).where(schema.ra_mst_races.c.id == "rc").values(has_result=True))
        connection.execute(update(schema.ra_mst_runners).where(schema.ra_mst_runners.c.race_id == "rc").values(
            position=1, position_raw="1", starting_price_decimal=11.0))
    populate(engine, tables=["ra_runner_statistics"], as_of=dt.date(2025, 3, 31), now=BATCH_TS)
    export(engine, ExportSource(preset="results", since=D, until=D), "jsonl", result_file)
    resulted = next(r for r in map(json.loads, result_file.read_text().splitlines()) if r["race_id"] == "rc")
    pre = sorted(k for k in declared if k.startswith("pre_"))
    assert len(pre) > 50
    assert {k: resulted[k] for k in pre} == {k: declared[k] for k in pre}
    assert (declared["pre_career_runs"], declared["pre_career_wins"], declared["pre_last_raced"]) == (
        2, 1, "2025-02-20")
    assert (resulted["position"], resulted["starting_price_decimal"]) == (1, 11.0)
    with engine.connect() as connection:
        later = connection.execute(select(schema.ra_runner_statistics.c.career_runs).join(
            schema.ra_mst_runners, schema.ra_mst_runners.c.id == schema.ra_runner_statistics.c.runner_id).where(
            schema.ra_mst_runners.c.race_id == "r6")).scalar_one()
    assert later == 3, "the later race does see rc's result: the recomputation really happened"
