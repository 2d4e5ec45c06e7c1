"""Performance by distance, by venue, and jockey-trainer combinations (STATISTICS.md §8-10).

All three are the same record (runs, places, strike rates, A/E, level-stakes P/L) grouped by an
entity and one more key, over every run including non-finishers (the previous scripts dropped
them, B08) and with the P/L of §2.6 (B07). Groups smaller than ``min_runs`` are left out; the value
used is recorded in ``query_filters``.
"""

from __future__ import annotations

from collections.abc import Callable

from darkhorses.db.schema import ra_entity_combinations, ra_performance_by_distance, ra_performance_by_venue
from darkhorses.stats.context import Context
from darkhorses.stats.job import Job
from darkhorses.stats.record import record_values, select_list
from darkhorses.stats.run import TIME_SLOT
from darkhorses.stats.scope import any_in_scope, in_scope
from darkhorses.stats.sql import Dialect, decimal, ratio
from darkhorses.stats.sums import PER_BATCH, batch_rows, sums_of

CATEGORY = "supplementary"

DISTANCE_ENTITIES = ("horse", "jockey", "trainer")
VENUE_ENTITIES = ("jockey", "trainer")


def record_columns(alias: str) -> dict[str, str]:
    """The performance tables' names for a record."""
    v = record_values(alias)
    names = {
        "total_runs": "runs", "wins": "wins", "places_2nd": "seconds", "places_3rd": "thirds",
        "win_percent": "win_pct", "place_percent": "top3_pct", "ae_index": "ae", "profit_loss_1u": "pl",
    }
    return {column: v[key] for column, key in names.items()}


def per_entity(ctx: Context, entity_types: tuple[str, ...], family: str, select: str, where: str = "TRUE") -> str:
    """``select`` over the groups ``<entity>_<family>`` of each entity type in scope, as one UNION
    ALL: stored sums, or for a horse's groups, sums from the batch's runs (:data:`PER_BATCH`)."""
    def groups(e: str) -> str:
        name = f"{e}_{family}"
        if name in PER_BATCH:
            return batch_rows(name, in_scope(ctx, e, f"{e}_id"))
        return sums_of(ctx.sums_table, name, in_scope(ctx, e, "id"))

    return "\n  UNION ALL\n  ".join(
        f"SELECT '{e}' AS entity_type, id AS entity_id, {select} FROM {groups(e)} s WHERE {where}"
        for e in entity_types
    )


def stamps(dialect: Dialect) -> dict[str, str]:
    return {"query_filters": dialect.json_param("query_filters"), "calculated_at": ":batch_ts"}


def distance_display(k: str) -> str:
    """Half furlongs as racing writes a distance: ``5f``, ``1m``, ``1m2f``, ``2m4½f``."""
    miles = f"CASE WHEN {k} >= 16 THEN CAST({k} / 16 AS TEXT) || 'm' ELSE '' END"
    furlongs = (
        f"CASE WHEN {k} % 16 > 0 THEN (CASE WHEN {k} % 16 > 1 THEN CAST(({k} % 16) / 2 AS TEXT) ELSE '' END)"
        f" || (CASE WHEN {k} % 2 = 1 THEN '½' ELSE '' END) || 'f' ELSE '' END"
    )
    return f"({miles}) || ({furlongs})"


def distance_band(k: str) -> str:
    """Furlong bands on the half-furlong key: Sprint <= 7f, Mile <= 9f, Middle <= 12f (B18)."""
    return f"(CASE WHEN {k} <= 14 THEN 'Sprint' WHEN {k} <= 18 THEN 'Mile' WHEN {k} <= 24 THEN 'Middle' ELSE 'Staying' END)"


def by_distance_sql(dialect: Dialect, ctx: Context) -> str:
    group = "entity_type, entity_id, key_hf"
    on = "gb.entity_type = g.entity_type AND gb.entity_id = g.entity_id AND gb.key_hf = g.key_hf"
    columns = {
        "entity_type": "g.entity_type",
        "entity_id": "g.entity_id",
        "distance_yards": "g.key_hf * 110",
        "distance_display": distance_display("g.key_hf"),
        "distance_band": distance_band("g.key_hf"),
        **record_columns("g"),
        "best_time_seconds": decimal("g.best_cs", 2),
        "avg_time_seconds": ratio("g.sum_cs", "100 * g.n_cs", 2),
        "last_time_seconds": decimal(f"g.last_timed % {TIME_SLOT}", 2),
        "going_breakdown": "gb.going_breakdown",
        **stamps(dialect),
    }
    return f"""
WITH g AS (
  {per_entity(ctx, DISTANCE_ENTITIES, "distance", "CAST(sub AS INTEGER) AS key_hf, s.*", "n_runs >= :min_runs")}
),
goings AS (
  {per_entity(ctx, DISTANCE_ENTITIES, "going", "CAST(sub AS INTEGER) AS key_hf, sub2 AS going_raw, n_runs AS n")}
),
gb AS (
  SELECT {group}, {dialect.json_object_agg('going_raw', 'n')} AS going_breakdown
  FROM goings JOIN g USING ({group}) GROUP BY {group}
)
SELECT {select_list(columns)}
FROM g
LEFT JOIN gb ON {on}
"""


def by_venue_sql(dialect: Dialect, ctx: Context) -> str:
    columns = {"entity_type": "g.entity_type", "entity_id": "g.entity_id", "venue_id": "g.sub",
               **record_columns("g"), **stamps(dialect)}
    return f"""
WITH g AS (
  {per_entity(ctx, VENUE_ENTITIES, "venue", "s.*", "n_runs >= :min_runs")}
)
SELECT {select_list(columns)} FROM g
"""


def combinations_sql(dialect: Dialect, ctx: Context) -> str:
    """Jockey-trainer pairs, in the canonical order the table's CHECK requires."""
    columns = {"entity1_type": "'jockey'", "entity1_id": "g.id",
               "entity2_type": "'trainer'", "entity2_id": "g.sub",
               **record_columns("g"), **stamps(dialect)}
    pairs = sums_of(ctx.sums_table, "jockey_trainer", any_in_scope(ctx, {"jockey": "id", "trainer": "sub"}))
    return f"""
SELECT {select_list(columns)} FROM {pairs} g WHERE n_runs >= :min_runs
"""


def entity_scope(entity_types: tuple[str, ...]) -> Callable[[Context, str], str]:
    """Rows of an entity in scope (every group of an entity is recomputed together)."""
    def scope(ctx: Context, alias: str) -> str:
        return "(" + " OR ".join(f"({alias}.entity_type = '{e}' AND {in_scope(ctx, e, f'{alias}.entity_id')})"
                                 for e in entity_types) + ")"
    return scope


def combinations_scope(ctx: Context, alias: str) -> str:
    return any_in_scope(ctx, {"jockey": f"{alias}.entity1_id", "trainer": f"{alias}.entity2_id"})


JOBS = (
    Job(ra_performance_by_distance, CATEGORY, by_distance_sql, stamp="calculated_at",
        key=("entity_type", "entity_id", "distance_yards"), scope=entity_scope(DISTANCE_ENTITIES)),
    Job(ra_performance_by_venue, CATEGORY, by_venue_sql, stamp="calculated_at",
        key=("entity_type", "entity_id", "venue_id"), scope=entity_scope(VENUE_ENTITIES)),
    Job(ra_entity_combinations, CATEGORY, combinations_sql, stamp="calculated_at",
        key=("entity1_type", "entity1_id", "entity2_type", "entity2_id"), scope=combinations_scope),
)
