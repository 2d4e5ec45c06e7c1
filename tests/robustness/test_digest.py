"""The content digest: equal for equal data whatever the write order, ids or engine; unequal otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, Table, func, insert, select, update
from sqlalchemy.engine import Engine

from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade
from darkhorses.db.schema import ra_mst_bookmakers, ra_mst_runners, ra_runner_odds
from darkhorses.ingest.transform import racecard_rows
from darkhorses.ingest.writer import write_batch
from darkhorses.ops.digest import database_digest, differing, natural_key, table_digest
from darkhorses.racing_api.models import Racecard

CARDS = json.loads((Path(__file__).parents[1] / "fixtures" / "api" / "racecards_pro.json").read_text())["racecards"]


def _load(engine: Engine, cards: list[dict], bookmakers: list[str]) -> None:
    """The recorded cards, one transaction each, after creating ``bookmakers`` in the given order."""
    with engine.begin() as connection:
        connection.execute(insert(ra_mst_bookmakers), [{"code": code, "name": code} for code in bookmakers])
    for card in cards:
        with engine.begin() as connection:
            write_batch(connection, racecard_rows(Racecard.model_validate(card)))


def _bookmaker_codes() -> list[str]:
    return sorted({odds["bookmaker"].lower().replace(" ", "") for c in CARDS for r in c["runners"] for odds in r["odds"]})


def test_natural_keys_replace_surrogate_ids() -> None:
    assert natural_key(ra_runner_odds) == ["race_id", "horse_id", "bookmaker_id"]
    assert natural_key(ra_mst_bookmakers) == ["code"]
    assert natural_key(ra_mst_runners) == ["race_id", "horse_id"]


def test_same_rows_in_another_order_with_other_ids_give_the_same_digest(engine: Engine, tmp_path: Path) -> None:
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    _load(engine, CARDS, _bookmaker_codes())
    _load(other, CARDS[::-1], _bookmaker_codes()[::-1])
    with engine.connect() as first, other.connect() as second:
        query = select(ra_mst_bookmakers.c.code, ra_mst_bookmakers.c.id).order_by(ra_mst_bookmakers.c.code)
        assert dict(first.execute(query).all()) != dict(second.execute(query).all())  # ids really differ
    first_digest, second_digest = database_digest(engine), database_digest(other)
    other.dispose()
    assert differing(first_digest, second_digest) == []
    assert first_digest["ra_runner_odds"].rows == sum(len(r["odds"]) for c in CARDS for r in c["runners"]) > 0


def test_a_changed_value_shows_in_its_table_only_and_bookkeeping_never(engine: Engine) -> None:
    _load(engine, CARDS, _bookmaker_codes())
    before = database_digest(engine)
    with engine.begin() as connection:
        connection.execute(update(ra_mst_runners).values(updated_at=func.now(), created_at=func.now()))
    assert differing(before, database_digest(engine)) == []
    with engine.begin() as connection:
        connection.execute(update(ra_mst_runners).where(ra_mst_runners.c.horse_id == CARDS[0]["runners"][0]["horse_id"])
                           .values(draw=99))
    after = database_digest(engine)
    assert differing(before, after) == ["ra_mst_runners"]
    assert after["ra_mst_runners"].rows == before["ra_mst_runners"].rows


def test_duplicate_natural_keys_are_counted_when_a_constraint_is_missing(sqlite_engine: Engine) -> None:
    loose = Table("ra_mst_bookmakers", MetaData(), *(Column(c.name, c.type) for c in ra_mst_bookmakers.columns))
    loose.create(sqlite_engine)
    with sqlite_engine.begin() as connection:
        connection.execute(insert(loose), [{"id": n, "code": code, "name": code}
                                           for n, code in enumerate(["bet365", "bet365", "coral", "sky", "sky", "sky"])])
    result = table_digest(sqlite_engine, ra_mst_bookmakers)
    assert (result.rows, result.duplicate_keys) == (6, 3)


@pytest.mark.postgres
def test_sqlite_and_postgresql_holding_the_same_data_agree(sqlite_engine: Engine, postgres_engine: Engine) -> None:
    for engine in (sqlite_engine, postgres_engine):
        upgrade(engine)
        _load(engine, CARDS, _bookmaker_codes())
    assert differing(database_digest(sqlite_engine), database_digest(postgres_engine)) == []
