"""Write a :class:`~darkhorses.ingest.transform.Batch` inside the caller's transaction.

The order is what keeps foreign keys and ownership right: stubs (parents another endpoint owns,
created only if missing), then upserts in foreign-key order, then fills (values written only
where nothing is stored) and updates of existing rows, then
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
    metadata,
    owners,
    ra_mst_bookmakers,
    ra_mst_race_results,
    ra_mst_races,
    ra_mst_runners,
    ra_runner_odds,
    ra_runner_supplementary,
)
from darkhorses.db.upsert import conflict_key, upsert, upsert_all, upsert_tuples
from darkhorses.ingest.transform import ODDS_COLUMNS, Batch
from darkhorses.racing_api.endpoints import RACECARDS_PRO as RACECARDS
from darkhorses.racing_api.endpoints import RESULTS

_IN_CHUNK = 500
"""Keys per IN list: well under SQLite's bound-parameter limit."""


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[start : start + _IN_CHUNK] for start in range(0, len(values), _IN_CHUNK)]


def _shared_columns(table_name: str) -> frozenset[str]:
    """Nullable columns of ``table_name`` that racecards and results both write (draw, official
    rating, distance in furlongs), leaving out those a result only falls back to. Keys and NOT
    NULL columns stay in every row: an upsert needs them."""
    return frozenset(
        column.name
        for column in metadata.tables[table_name].columns
        if column.nullable and column.info.get("fallback") != RESULTS and {RACECARDS, RESULTS} <= set(owners(column))
    )


def _results_win(
    connection: Connection, upserts: dict[str, list[dict[str, Any]]], fills: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """Keep a racecard from overwriting what a race's result already says.

    Racecard rows carry no ``has_result``; for races already resulted, the columns both
    endpoints write move from those rows to ``fills``: the result's value stands whatever order
    the two were fetched in (a past racecard fetched by hand after its result, say), and the
    racecard's value still fills a column the result left blank.
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
    for table_name in ("ra_mst_races", "ra_mst_runners"):
        shared, key = _shared_columns(table_name), conflict_key(metadata.tables[table_name])
        race_key = "id" if table_name == "ra_mst_races" else "race_id"
        kept = []
        for row in upserts.get(table_name, []):
            if row[race_key] not in resulted:
                kept.append(row)
                continue
            kept.append({k: v for k, v in row.items() if k not in shared})
            present = {k: v for k, v in row.items() if k in shared and v is not None}
            if present:
                fills.setdefault(table_name, []).append({**{k: row[k] for k in key}, **present})
        trimmed[table_name] = kept
    return trimmed


def write_batch(connection: Connection, batch: Batch, added: Counter[str] | None = None) -> Counter[str]:
    """Apply every row of ``batch``; returns rows written per table (fills are rows already counted).
    ``added``, when given, grows by the rows each table gained (new rows less deleted ones)."""
    written: Counter[str] = Counter()
    fills = {table: list(rows) for table, rows in batch.fills.items()}
    written.update(upsert_all(connection, batch.stubs, update_existing=False, added=added))
    written.update(upsert_all(connection, _results_win(connection, batch.upserts, fills), added=added))
    for table_name in (table.name for table in metadata.sorted_tables if fills.get(table.name)):
        _fill(connection, table_name, fills[table_name])
    for table_name, rows in batch.updates.items():
        written[table_name] += _update_by_primary_key(connection, table_name, rows)
    written["ra_runner_odds"] += _write_odds(connection, batch.odds, added)
    written["ra_runner_supplementary"] += _replace_supplementary(connection, batch.supplementary, added)
    resulted = [row["id"] for row in batch.upserts.get("ra_mst_races", []) if row.get("has_result")]
    _mark_non_runners(connection, resulted)
    _stamp_results(connection, resulted)
    return +written


def _fill(connection: Connection, table_name: str, rows: list[dict[str, Any]]) -> None:
    """Set each value of ``rows`` (existing records, by natural key) only where the stored value
    is NULL: an UPDATE rather than an upsert, as these records exist and a partial row would not
    satisfy the NOT NULL checks an insert attempt makes first on SQLite."""
    table = metadata.tables[table_name]
    key = conflict_key(table)
    by_shape: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        by_shape.setdefault(frozenset(row) - set(key), []).append(row)
    for shape, group in by_shape.items():
        statement = (
            table.update()
            .where(and_(*(table.c[name] == bindparam(f"key_{name}") for name in key)))
            .values({name: func.coalesce(table.c[name], bindparam(f"new_{name}", type_=table.c[name].type))
                     for name in sorted(shape)})
        )
        connection.execute(statement, [
            {**{f"key_{name}": row[name] for name in key}, **{f"new_{name}": row[name] for name in shape}}
            for row in group
        ])


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


def _write_odds(connection: Connection, rows: list[tuple[Any, ...]], added: Counter[str] | None) -> int:
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
    return upsert_tuples(connection, ra_runner_odds, _ODDS_WRITTEN, list(resolved.values()), added=added)


def _replace_supplementary(connection: Connection, rows: list[dict[str, Any]], added: Counter[str] | None) -> int:
    """Make the supplementary records of every runner in ``rows`` exactly these: records beyond
    the new arrays' lengths go; the others are upserted, so a value a re-fetch leaves blank keeps
    the stored one, as everywhere."""
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
    resolved = [
        {
            **{k: v for k, v in row.items() if k not in ("race_id", "horse_id")},
            "runner_id": runner_ids[(row["race_id"], row["horse_id"])],
        }
        for row in rows
    ]
    kept = {(row["runner_id"], row["record_type"], row["seq"]) for row in resolved}
    table = ra_runner_supplementary
    for chunk in _chunks(sorted(runner_ids.values())):
        stored = connection.execute(
            select(table.c.id, table.c.runner_id, table.c.record_type, table.c.seq).where(table.c.runner_id.in_(chunk))
        )
        stale = [record_id for record_id, *key in stored if tuple(key) not in kept]
        for ids in _chunks(stale):
            deleted = connection.execute(table.delete().where(table.c.id.in_(ids))).rowcount
            if added is not None:
                added[table.name] -= deleted
    return upsert(connection, table, resolved, added=added)


def _mark_non_runners(connection: Connection, race_ids: list[str]) -> None:
    """Declared runners of a resulted race with no result row did not start. Only rows that change
    are written, and they are stamped ``updated_at`` like any upsert (incremental populate reads it)."""
    started = exists().where(
        ra_mst_race_results.c.race_id == ra_mst_runners.c.race_id,
        ra_mst_race_results.c.horse_id == ra_mst_runners.c.horse_id,
    )
    for chunk in _chunks(race_ids):
        connection.execute(
            ra_mst_runners.update()
            .where(ra_mst_runners.c.race_id.in_(chunk), ~started,
                   ~and_(ra_mst_runners.c.is_non_runner.is_(True), ra_mst_runners.c.is_scratched.is_(True)))
            .values(is_non_runner=True, is_scratched=True, updated_at=func.now())
        )


def _stamp_results(connection: Connection, race_ids: list[str]) -> None:
    """``result_updated_at``: when the results step last wrote a race's result, on the race and
    on each of its runners (set-based, one statement per table and chunk)."""
    for chunk in _chunks(race_ids):
        for table, key in ((ra_mst_races, ra_mst_races.c.id), (ra_mst_runners, ra_mst_runners.c.race_id)):
            connection.execute(table.update().where(key.in_(chunk)).values(result_updated_at=func.now()))
