"""Sire, dam and damsire progeny statistics (STATISTICS.md §4), one implementation for all three.

A sire's record is over its offspring's runs; a damsire's over the runs of horses out of its
daughters (the maternal grand-offspring). A/E is market-based (wins / sum of SP probabilities,
§2.4), not the previous fixed class base rates (B04). The class and distance breakdowns keep the
top three groups ranked by wins, then fewer runs, then the lower class or shorter distance (B15).
Everything is read from the stored sums (:mod:`darkhorses.stats.sums`): per (entity, horse),
which count the distinct progeny and give the record totals, and per (entity, class) and
(entity, distance) for the breakdowns.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table

from darkhorses.db.schema import ra_mst_dams, ra_mst_damsires, ra_mst_sires
from darkhorses.stats.context import Context
from darkhorses.stats.job import Job
from darkhorses.stats.record import RECORD_RESUMS, record_values, select_list
from darkhorses.stats.scope import in_scope
from darkhorses.stats.sql import Dialect, ae_index, decimal, percent
from darkhorses.stats.sums import sums_of

CATEGORY = "pedigree"
RANKS = (1, 2, 3)


@dataclass(frozen=True)
class Breakdown:
    """A top-3 breakdown: ``class_N_*`` keyed by class number, ``distance_N_*`` by half furlongs
    (the groups of the stored family ``<entity>_<kind>``)."""

    kind: str
    name_sql: str  # the slot name, from the integer key ``k``
    best_sql: str  # ``best_class`` / ``best_distance``, from ``k``


CLASS = Breakdown("class", "'Class ' || CAST(k AS TEXT)", "CAST(k AS TEXT)")
_FURLONGS = "CAST(k / 2 AS TEXT) || CASE WHEN k % 2 = 1 THEN '.5f' ELSE 'f' END"
DISTANCE = Breakdown("distance", _FURLONGS, _FURLONGS)


def breakdown_ctes(dialect: Dialect, ctx: Context, kind: str, breakdown: Breakdown) -> str:
    """CTEs ``<kind>_top``: one row per entity with the three ranked slots already pivoted."""
    b = breakdown.kind
    slots = ",\n         ".join(
        f"MAX(CASE WHEN rk = {r} THEN {expr} END) AS {b}_{r}_{name}"
        for r in RANKS
        for name, expr in (
            ("name", breakdown.name_sql),
            ("runners", "n"),
            ("wins", "w"),
            ("win_percent", percent("w", "n")),
            ("ae", ae_index("wsp", "e")),
        )
    )
    best = f"MAX(CASE WHEN rk = 1 THEN {breakdown.best_sql} END) AS best_{b}"
    groups = sums_of(ctx.sums_table, f"{kind}_{b}", in_scope(ctx, kind, "id"))
    return f"""{b}_groups AS (
  SELECT id, CAST(sub AS INTEGER) AS k, n_runs AS n, n_wins AS w, n_wins_sp AS wsp, exp_nano AS e
  FROM {groups} s WHERE n_runs >= :min_group_runs
),
{b}_ranked AS (
  SELECT g.*, ROW_NUMBER() OVER (PARTITION BY {dialect.bytewise('id')} ORDER BY w DESC, n ASC, k ASC) AS rk
  FROM {b}_groups g
),
{b}_top AS (
  SELECT id, {slots},
         {best}
  FROM {b}_ranked WHERE rk <= 3 GROUP BY id
)"""


def quality_score() -> str:
    """§4.4 in hundredths: 20 for any runs, 10 per filled slot name, 10/5/5 for the A/E figures
    (A08: "present" means not NULL, so an A/E of exactly 0 still counts)."""
    names = " + ".join(
        f"CASE WHEN {b}_{r}_name IS NOT NULL THEN 10 ELSE 0 END" for b in ("class", "distance") for r in RANKS
    )
    hundredths = (
        f"(CASE WHEN total_runners > 0 THEN 20 ELSE 0 END + {names}"
        " + CASE WHEN overall_ae_index IS NOT NULL THEN 10 ELSE 0 END"
        " + CASE WHEN best_class_ae IS NOT NULL THEN 5 ELSE 0 END"
        " + CASE WHEN best_distance_ae IS NOT NULL THEN 5 ELSE 0 END)"
    )
    return decimal(hundredths, 2)


@dataclass(frozen=True)
class Pedigree:
    table: Table
    run_column: str

    def stage_sql(self, dialect: Dialect, ctx: Context) -> str:
        v = record_values("a")
        columns = {
            "id": "m.id",
            "total_runners": v["runs"],
            "total_wins": v["wins"],
            "total_places_2nd": v["seconds"],
            "total_places_3rd": v["thirds"],
            "progeny_runners": "COALESCE(a.horses, 0)",
            "progeny_winners": "COALESCE(a.winners, 0)",
            "overall_win_percent": v["win_pct"],
            "overall_ae_index": v["ae"],
            "profit_loss_1u": v["pl"],
            "sp_coverage": v["sp_coverage"],
            "best_class": "c.best_class",
            "best_class_ae": "c.class_1_ae",
            "best_distance": "d.best_distance",
            "best_distance_ae": "d.distance_1_ae",
            "analysis_last_updated": ":batch_ts",
            "data_as_of": ":as_of",
        }
        for alias, b in (("c", "class"), ("d", "distance")):
            for r in RANKS:
                for name in ("name", "runners", "wins", "win_percent", "ae"):
                    columns[f"{b}_{r}_{name}"] = f"{alias}.{b}_{r}_{name}"
        kind = self.run_column.removesuffix("_id")
        return f"""
WITH a AS (
  SELECT id, {RECORD_RESUMS}, COUNT(*) AS horses, SUM(CASE WHEN n_wins > 0 THEN 1 ELSE 0 END) AS winners
  FROM {sums_of(ctx.sums_table, f"{kind}_horse", in_scope(ctx, kind, "id"))} per_horse GROUP BY id
),
{breakdown_ctes(dialect, ctx, kind, CLASS)},
{breakdown_ctes(dialect, ctx, kind, DISTANCE)},
summary AS (
  SELECT {select_list(columns)}
  FROM {self.table.name} m
  LEFT JOIN a ON a.id = m.id
  LEFT JOIN class_top c ON c.id = m.id
  LEFT JOIN distance_top d ON d.id = m.id
  WHERE {in_scope(ctx, kind, 'm.id')}
)
SELECT summary.*, {quality_score()} AS data_quality_score FROM summary
"""

    def calendar_sql(self, dialect: Dialect) -> str:
        """Every row says which as-of date it describes."""
        return f"UPDATE {self.table.name} SET data_as_of = :as_of"

    def job(self) -> Job:
        return Job(self.table, CATEGORY, self.stage_sql, stamp="analysis_last_updated", master=True,
                   calendar=self.calendar_sql)


SIRES = Pedigree(ra_mst_sires, "sire_id")
DAMS = Pedigree(ra_mst_dams, "dam_id")
DAMSIRES = Pedigree(ra_mst_damsires, "damsire_id")

JOBS = (SIRES.job(), DAMS.job(), DAMSIRES.job())
