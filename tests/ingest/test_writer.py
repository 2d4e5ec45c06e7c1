"""Writing batches on both engines: ownership, id resolution, replacement, non-runners."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from darkhorses.db.schema import (
    ra_mst_bookmakers,
    ra_mst_courses,
    ra_mst_horses,
    ra_mst_race_results,
    ra_mst_races,
    ra_mst_runners,
    ra_mst_sires,
    ra_runner_odds,
    ra_runner_supplementary,
)
from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade
from darkhorses.db.upsert import upsert
from darkhorses.ingest.transform import Batch, course_rows, racecard_rows, result_rows
from darkhorses.ingest.writer import write_batch
from darkhorses.ops.digest import database_digest, differing
from darkhorses.racing_api.models import Course, Racecard, Result

API = Path(__file__).parents[1] / "fixtures" / "api"
CARDS = json.loads((API / "racecards_pro.json").read_text())["racecards"]


def _cards_batch() -> Batch:
    batch = Batch()
    for card in CARDS:
        batch.extend(racecard_rows(Racecard.model_validate(card)))
    return batch


def _result_for(card: dict, **runner_values: str) -> Result:
    """A result for a recorded card: the declared runners minus the non-runner, in number order."""
    starters = [r for r in card["runners"] if r["number"] != "NR"]
    runners = [
        {**{k: r[k] for k in ("horse_id", "horse", "jockey", "jockey_id", "trainer", "trainer_id", "owner",
                              "owner_id", "sire", "sire_id", "dam", "dam_id", "damsire", "damsire_id")},
         "position": str(place), "sp": "5/1", "sp_dec": "6.0", "comment": "ran on", "time": "4:01.5", **runner_values}
        for place, r in enumerate(starters, start=1)
    ]
    keys = ("race_id", "date", "region", "course", "course_id", "off_dt", "race_name", "type", "going")
    return Result.model_validate({**{k: card[k] for k in keys}, "off": card["off_time"], "runners": runners,
                                  "non_runners": "one withdrawn"})


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))  # type: ignore[arg-type]


def test_racecards_write_every_table_and_rerun_changes_nothing(engine: Engine) -> None:
    batch = _cards_batch()
    counts = []
    for _ in range(2):
        with engine.begin() as connection:
            counts.append(write_batch(connection, batch))
    written, again = counts
    runners = sum(len(card["runners"]) for card in CARDS)
    assert _count(engine, ra_mst_races) == len(CARDS)
    assert _count(engine, ra_mst_runners) == runners == written["ra_mst_runners"]
    assert _count(engine, ra_runner_odds) == len(batch.odds) == written["ra_runner_odds"]
    assert again["ra_mst_runners"] == again["ra_runner_odds"] == 0  # written means inserted or changed (issue 15)
    assert _count(engine, ra_mst_bookmakers) == 3
    assert _count(engine, ra_runner_supplementary) == len(batch.supplementary)
    with engine.connect() as connection:
        odds = connection.execute(
            select(ra_runner_odds.c.decimal_odds, ra_mst_bookmakers.c.code)
            .join(ra_mst_bookmakers)
            .where(ra_runner_odds.c.horse_id == "hrs_47475190")
            .order_by(ra_mst_bookmakers.c.code)
        ).all()
        expected = sorted((float(o["decimal"]), o["bookmaker"].lower().replace(" ", "")) for o in CARDS[0]["runners"][0]["odds"])
        assert sorted(tuple(row) for row in odds) == expected
        assert connection.scalar(select(ra_mst_sires.c.name).where(ra_mst_sires.c.id == "sir_5384960")) == "Gemix"


def test_course_stub_never_overwrites_reference_data(engine: Engine) -> None:
    card = CARDS[0]
    with engine.begin() as connection:
        write_batch(connection, course_rows([Course(id=card["course_id"], course="Canonical Name", region_code="gb",
                                                    region="Great Britain")]))
        write_batch(connection, racecard_rows(Racecard.model_validate(card)))
    with engine.connect() as connection:
        row = connection.execute(select(ra_mst_courses.c.name, ra_mst_courses.c.region)).one()
    assert tuple(row) == ("Canonical Name", "Great Britain")


def test_results_keep_racecard_columns_and_mark_non_runners(engine: Engine) -> None:
    card = next(c for c in CARDS if c["race_id"] == "rac_11744499")
    with engine.begin() as connection:
        write_batch(connection, racecard_rows(Racecard.model_validate(card)))
        write_batch(connection, result_rows(_result_for(card)))
    with engine.connect() as connection:
        rows = connection.execute(
            select(ra_mst_runners.c.horse_id, ra_mst_runners.c.is_non_runner, ra_mst_runners.c.position,
                   ra_mst_runners.c.form, ra_mst_runners.c.race_comment).order_by(ra_mst_runners.c.number)
        ).all()
        race = connection.execute(select(ra_mst_races.c.has_result, ra_mst_races.c.prize, ra_mst_races.c.field_size)).one()
        assert _count(engine, ra_mst_race_results) == 4
    non_runners = [r for r in rows if r.is_non_runner]
    assert len(non_runners) == 1 and non_runners[0].position is None
    starters = [r for r in rows if not r.is_non_runner]
    assert sorted(r.position for r in starters) == [1, 2, 3, 4]
    forms = {r["horse_id"]: r["form"] or None for r in card["runners"]}
    assert [r.form for r in rows] == [forms[r.horse_id] for r in rows]
    assert all(r.race_comment == "ran on" for r in starters)
    assert tuple(race) == (True, 4193.0, 4)


def test_a_pedigree_id_without_a_name_gets_a_stub_parent(engine: Engine) -> None:
    raw = json.loads(json.dumps(CARDS[0]))
    raw["runners"][0]["sire"] = ""
    with engine.begin() as connection:
        write_batch(connection, racecard_rows(Racecard.model_validate(raw)))
        assert connection.scalar(select(ra_mst_sires.c.name).where(ra_mst_sires.c.id == "sir_5384960")) == "sir_5384960"
        write_batch(connection, racecard_rows(Racecard.model_validate(CARDS[0])))
        assert connection.scalar(select(ra_mst_sires.c.name).where(ra_mst_sires.c.id == "sir_5384960")) == "Gemix"


def test_supplementary_records_are_replaced_not_appended(engine: Engine) -> None:
    raw = json.loads(json.dumps(CARDS[0]))
    raw["runners"][0]["medical"] = [{"date": "2024-01-02", "type": "wind"}, {"date": "2024-05-06", "type": "wind"}]
    with engine.begin() as connection:
        write_batch(connection, racecard_rows(Racecard.model_validate(raw)))
    medical = (
        select(func.count())
        .select_from(ra_runner_supplementary.join(ra_mst_runners))
        .where(ra_runner_supplementary.c.record_type == "medical", ra_mst_runners.c.horse_id == raw["runners"][0]["horse_id"])
    )
    with engine.connect() as connection:
        assert connection.scalar(medical) == 2
    raw["runners"][0]["medical"] = [{"date": "2024-01-02", "type": "wind"}]
    with engine.begin() as connection:
        write_batch(connection, racecard_rows(Racecard.model_validate(raw)))
    with engine.connect() as connection:
        assert connection.scalar(medical) == 1


def test_enrichment_updates_only_existing_horses(engine: Engine) -> None:
    import datetime as dt

    from darkhorses.ingest.transform import horse_profile_rows

    with engine.begin() as connection:
        upsert(connection, ra_mst_horses, [{"id": "hrs_1", "name": "Known"}])
        now = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
        write_batch(connection, horse_profile_rows("hrs_1", None, "none", now))
        write_batch(connection, horse_profile_rows("hrs_unknown", None, "none", now))
    with engine.connect() as connection:
        rows = connection.execute(select(ra_mst_horses.c.id, ra_mst_horses.c.profile_source, ra_mst_horses.c.name)).all()
    assert [tuple(r) for r in rows] == [("hrs_1", "none", "Known")]


def test_a_racecard_fetched_after_the_result_does_not_overwrite_it(engine: Engine) -> None:
    """The result's values stand; the later racecard only fills what the result left blank
    (here the result blanks the official rating, as results on some plans do)."""
    card = next(c for c in CARDS if c["race_id"] == "rac_11744499")
    later_card = json.loads(json.dumps(card))
    for runner in later_card["runners"]:
        runner["ofr"], runner["draw"], runner["headgear"] = "1", "9", "p"
    later_card["distance_f"] = "99.0"
    columns = (ra_mst_runners.c.horse_id, ra_mst_runners.c.ofr, ra_mst_runners.c.draw, ra_mst_runners.c.headgear,
               ra_mst_runners.c.is_non_runner)
    with engine.begin() as connection:
        write_batch(connection, racecard_rows(Racecard.model_validate(card)))
        write_batch(connection, result_rows(_result_for(card, draw="4", headgear="t", **{"or": "\u2013"})))
        before = connection.execute(select(*columns).order_by(ra_mst_runners.c.horse_id)).all()
        distance = connection.scalar(select(ra_mst_races.c.distance_f))
        write_batch(connection, racecard_rows(Racecard.model_validate(later_card)))
        after = connection.execute(select(*columns).order_by(ra_mst_runners.c.horse_id)).all()
        assert connection.scalar(select(ra_mst_races.c.distance_f)) == distance
    assert {(row.draw, row.headgear) for row in before if not row.is_non_runner} == {(4, "t")}
    assert [(b.horse_id, b.draw or 9, b.headgear or "p", b.ofr or 1) for b in before] == [
        (a.horse_id, a.draw, a.headgear, a.ofr) for a in after]


def test_a_racecard_and_its_results_in_one_batch_store_what_writing_them_in_turn_does(engine: Engine,
                                                                                       tmp_path: Path) -> None:
    """What the fetch relies on to write a date's two units in one transaction."""

    def results() -> Batch:
        batch = Batch()
        for card in CARDS:
            batch.extend(result_rows(_result_for(card, draw="11")))  # the result's draw differs from the card's
        return batch

    with engine.begin() as connection:
        write_batch(connection, _cards_batch())
        write_batch(connection, results())
    together = make_engine(f"sqlite:///{tmp_path / 'together.db'}")
    upgrade(together)
    with together.begin() as connection:
        write_batch(connection, _cards_batch().extend(results()))
    assert differing(database_digest(engine), database_digest(together)) == []
    with together.connect() as connection:
        draws = set(connection.scalars(select(ra_mst_runners.c.draw).where(ra_mst_runners.c.position.is_not(None))))
    assert draws == {11}
    together.dispose()
