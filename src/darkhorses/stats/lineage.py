"""``ra_lineage`` (STATISTICS.md §6): each run's pedigree unpivoted, one row per (runner, path).

The API supplies three ancestors, so there are three paths: ``sire`` and ``dam`` (generation 1)
and ``dam.sire`` (generation 2, the maternal grandsire, i.e. the damsire). ``ancestor_horse_id``
holds the pedigree id (``sir_``/``dam_``/``dsi_``), as in the previous system. Regenerated from
``run`` each batch, so changed pedigrees are refreshed (the old ``ON CONFLICT DO NOTHING`` never
refreshed them).
"""

from __future__ import annotations

from darkhorses.db.schema import ra_lineage
from darkhorses.stats.context import Context
from darkhorses.stats.job import Job
from darkhorses.stats.run import RUN_TABLE
from darkhorses.stats.scope import any_in_scope, in_scope
from darkhorses.stats.sql import Dialect

CATEGORY = "pedigree"

PATHS = (
    # (run column, master table, generation, lineage_path, relation_type)
    ("sire_id", "ra_mst_sires", 1, "sire", "sire"),
    ("dam_id", "ra_mst_dams", 1, "dam", "dam"),
    ("damsire_id", "ra_mst_damsires", 2, "dam.sire", "grandsire_maternal"),
)


def stage_sql(dialect: Dialect, ctx: Context) -> str:
    recomputed = any_in_scope(ctx, {"horse": "r.horse_id", **{f"{column[:-3]}_row": f"r.{column}" for column, *_ in PATHS}})
    parts = [
        f"""SELECT CAST(r.runner_id AS TEXT) || '_{generation}_{path}' AS lineage_id,
       r.runner_id, r.horse_id, {generation} AS generation, '{path}' AS lineage_path,
       '{relation}' AS relation_type, r.{column} AS ancestor_horse_id, m.name AS ancestor_name,
       m.region AS ancestor_region, h.dob AS ancestor_dob, :batch_ts AS updated_at
FROM {RUN_TABLE} r
LEFT JOIN {master} m ON m.id = r.{column}
LEFT JOIN ra_mst_horses h ON h.id = m.horse_id
WHERE r.{column} IS NOT NULL AND {recomputed}"""
        for column, master, generation, path, relation in PATHS
    ]
    return "\nUNION ALL\n".join(parts)


def scope_sql(ctx: Context, alias: str) -> str:
    """A lineage row goes stale only through its run (a changed runner row or horse record, both
    putting the horse in scope); a renamed ancestor rewrites rows without removing any. The rows
    are found through their runner (the table's index), not by scanning it for the horse."""
    if not ctx.incremental:
        return "TRUE"
    return f"{alias}.runner_id IN (SELECT id FROM ra_mst_runners WHERE {in_scope(ctx, 'horse', 'horse_id')})"


JOBS = (Job(ra_lineage, CATEGORY, stage_sql, stamp="updated_at", key=("lineage_id",), scope=scope_sql),)
