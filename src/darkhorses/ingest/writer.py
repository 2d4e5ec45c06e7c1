"""Write a :class:`~darkhorses.ingest.transform.Batch` inside the caller's transaction.

The order is what keeps foreign keys and ownership right: stubs (parents another endpoint owns,
created only if missing), then upserts in foreign-key order, then updates of existing rows, then
the rows whose keys only the database knows (odds need bookmaker ids, supplementary records need
runner ids). A resulted race finally marks the declared runners that did not start as
non-runners, which the results payload only mentions as text.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, select
from sqlalchemy.engine import Connection

from darkhorses.db.schema import (
    RACECARDS,
    RESULTS,
    metadata,
    ra_mst_bookmakers,
    ra_mst_race_results,
    ra_mst_races,
    ra_mst_runners,
    ra_runner_odds,
    ra_runner_supplementary,
)
from darkhorses.db.upsert import upsert, upsert_all, upsert_tuples
from darkhorses.ingest.transform import ODDS_COLUMNS, Batch

_IN_CHUNK = 500
"""Keys per IN list: well under SQLite's bound-parameter limit."""


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[start : start + _IN_CHUNK] for start in range(0, len(values), _IN_CHUNK)]


def _shared_columns(table_name: str) -> frozenset[str]:
    """Nullable columns of ``table_name`` that racecards and results both write (draw, ratings,
    distance). Keys and NOT NULL columns stay in every row: an upsert needs them."""
    return frozenset(
        column.name
        for column in metadata.tables[table_name].columns
        if column.nullable and {RACECARDS, RESULTS} <= set((column.info.get("endpoint") or "").split(" | "))
    )


def _results_win(connection: Connection, upserts: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Keep a racecard from overwriting what a race's result already says.

    Racecard rows carry no ``has_result``; for races already resulted, the columns both
    endpoints write are dropped from those rows, so the result's value stands whatever order the
    two were fetched in (a past racecard fetched by hand after its result, say).
    """
    card_races = [row["id"] for row in upserts.get("ra_mst_races", []) if "has_result" not in row]
    resulted: set[str] = set()
    for chunk in _chunks(card_races):
        resulted.update(connection.scalars(
            select(ra_mst_races.c.id).where(ra_mst_races.c.id.in_(chunk), ra_mst_races.c.has_result.is_(True))
        ))
    if not resulted:
        return upserts
    trimmed = dict(upserts)
    for table_name, key in (("ra_mst_races", "id"), ("ra_mst_runners", "race_id")):
        shared = _shared_columns(table_name)
        trimmed[table_name] = [
            {k: v for k, v in row.items() if k not in shared} if row[key] in resulted else row
            for row in upserts.get(table_name, [])
        ]
    return trimmed


def write_batch(connection: Connection, batch: Batch) -> Counter[str]:
    """Apply every row of ``batch``; returns rows written per table."""
    written: Counter[str] = Counter()
    written.update(upsert_all(connection, batch.stubs, update_existing=False))
    written.update(upsert_all(connection, _results_win(connection, batch.upserts)))
    for table_name, rows in batch.updates.items():
        written[table_name] += _update_by_primary_key(connection, table_name, rows)
    written["ra_runner_odds"] += _write_odds(connection, batch.odds)
    written["ra_runner_supplementary"] += _replace_supplementary(connection, batch.supplementary)
    resulted = [row["id"] for row in batch.upserts.get("ra_mst_races", []) if row.get("has_result")]
    _mark_non_runners(connection, resulted)
    _stamp_results(connection, resulted)
    return +written


def _update_by_primary_key(connection: Connection, table_name: str, rows: list[dict[str, Any]]) -> int:
    table = metadata.tables[table_name]
    key = [column.name for column in table.primary_key]
    by_shape: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        by_shape.setdefault(frozenset(row), []).append(row)
    for shape, group in by_shape.items():
        statement = (
            table.update()
            .where(and_(*(table.c[name] == bindparam(f"key_{name}") for name in key)))
            .values({name: bindparam(f"new_{name}") for name in shape if name not in key})
        )
        params = [
            {**{f"key_{name}": row[name] for name in key}, **{f"new_{k}": v for k, v in row.items() if k not in key}}
            for row in group
        ]
        connection.execute(statement, params)
    return len(rows)


_ODDS_WRITTEN = ("race_id", "horse_id", "bookmaker_id", *ODDS_COLUMNS[3:])


def _write_odds(connection: Connection, rows: list[tuple[Any, ...]]) -> int:
    """Odds rows (:data:`ODDS_COLUMNS` tuples) with bookmaker ids for codes; a price quoted twice
    for the same runner and firm (two spellings of one firm) keeps the later one."""
    if not rows:
        return 0
    codes = sorted({row[2] for row in rows})
    ids = {
        code: bookmaker_id
        for chunk in _chunks(codes)
        for bookmaker_id, code in connection.execute(
            select(ra_mst_bookmakers.c.id, ra_mst_bookmakers.c.code).where(ra_mst_bookmakers.c.code.in_(chunk))
        )
    }
    resolved: dict[tuple[str, str, int], tuple[Any, ...]] = {}
    for race_id, horse_id, code, *prices in rows:
        key = (race_id, horse_id, ids[code])
        resolved[key] = (*key, *prices)
    return upsert_tuples(connection, ra_runner_odds, _ODDS_WRITTEN, list(resolved.values()))


def _replace_supplementary(connection: Connection, rows: list[dict[str, Any]]) -> int:
    """Replace the supplementary records of every runner in ``rows`` with exactly these."""
    if not rows:
        return 0
    pairs = {(row["race_id"], row["horse_id"]) for row in rows}
    runner_ids: dict[tuple[str, str], int] = {}
    for chunk in _chunks(sorted({race for race, _ in pairs})):  # by race: a few dozen keys, not hundreds of pairs
        query = select(ra_mst_runners.c.id, ra_mst_runners.c.race_id, ra_mst_runners.c.horse_id).where(
            ra_mst_runners.c.race_id.in_(chunk)
        )
        runner_ids.update(
            {(race, horse): runner for runner, race, horse in connection.execute(query) if (race, horse) in pairs}
        )
    for chunk in _chunks(sorted(runner_ids.values())):
        connection.execute(ra_runner_supplementary.delete().where(ra_runner_supplementary.c.runner_id.in_(chunk)))
    resolved = [
        {
            **{k: v for k, v in row.items() if k not in ("race_id", "horse_id")},
            "runner_id": runner_ids[(row["race_id"], row["horse_id"])],
        }
        for row in rows
    ]
    return upsert(connection, ra_runner_supplementary, resolved)


def _mark_non_runners(connection: Connection, race_ids: list[str]) -> None:
    """Declared runners of a resulted race with no result row did not start."""
    started = exists().where(
        ra_mst_race_results.c.race_id == ra_mst_runners.c.race_id,
        ra_mst_race_results.c.horse_id == ra_mst_runners.c.horse_id,
    )
    for chunk in _chunks(race_ids):
        connection.execute(
            ra_mst_runners.update()
            .where(ra_mst_runners.c.race_id.in_(chunk), ~started)
            .values(is_non_runner=True, is_scratched=True)
        )


def _stamp_results(connection: Connection, race_ids: list[str]) -> None:
    """``result_updated_at``: when the results step last wrote a race's result, on the race and
    on each of its runners (set-based, one statement per table and chunk)."""
    for chunk in _chunks(race_ids):
        for table, key in ((ra_mst_races, ra_mst_races.c.id), (ra_mst_runners, ra_mst_runners.c.race_id)):
            connection.execute(table.update().where(key.in_(chunk)).values(result_updated_at=func.now()))
