"""``ra_sire_stats``, ``ra_dam_stats``, ``ra_damsire_stats`` (STATISTICS.md §5), one implementation.

One row per row of the pedigree master. The "own career" block reads the ancestor's own horse
record through the master's ``horse_id`` (the previous system joined ``sir_`` ids to ``hrs_`` ids
and never matched, B23); it is NULL when that link is unknown. The offspring block is produced
from the same stored sums as the §4 summary, so the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table

from darkhorses.db.schema import (
    ra_dam_stats,
    ra_damsire_stats,
    ra_mst_dams,
    ra_mst_damsires,
    ra_mst_sires,
    ra_sire_stats,
)
from darkhorses.stats.context import Context
from darkhorses.stats.job import Job
from darkhorses.stats.record import select_list
from darkhorses.stats.run import RUN_TABLE
from darkhorses.stats.scope import in_scope
from darkhorses.stats.sql import Dialect, percent, pounds, ratio
from darkhorses.stats.sums import sums_of

CATEGORY = "pedigree"

_CAREER_SUMS = """COUNT(*) AS runs, SUM(is_win) AS wins, SUM(is_top3) AS places,
         SUM(prize_pence) AS prize, MIN(finish_pos) AS best_pos,
         SUM(finish_pos) AS pos_sum, COUNT(finish_pos) AS finishes"""
"""An ancestor's own career, over its own horse's runs."""


@dataclass(frozen=True)
class Ancestor:
    table: Table
    master: Table
    kind: str  # sire | dam | damsire
    offspring: str  # progeny | grandoffspring
    count_column: str  # total_progeny | total_grandoffspring

    @property
    def run_column(self) -> str:
        return f"{self.kind}_id"

    def stage_sql(self, dialect: Dialect, ctx: Context) -> str:
        own = "CASE WHEN m.horse_id IS NULL THEN NULL ELSE COALESCE({}, 0) END"
        o = self.offspring
        columns = {
            f"{self.kind}_id": "m.id",
            f"{self.kind}_name": "m.name",
            f"{self.kind}_region": "m.region",
            "own_race_runs": own.format("c.runs"),
            "own_race_wins": own.format("c.wins"),
            "own_race_places": own.format("c.places"),
            "own_total_prize": own.format(pounds("c.prize")),
            "own_best_position": "c.best_pos",
            "own_avg_position": ratio("c.pos_sum", "c.finishes", 2),
            "own_career_start": "c.first_date",
            "own_career_end": "c.last_date",
            self.count_column: "COALESCE(f.n, 0)",
            f"{o}_count": "COALESCE(f.n, 0)",
            f"{o}_runners": "COALESCE(p.horses, 0)",
            f"{o}_total_runs": "COALESCE(p.runs, 0)",
            f"{o}_wins": "COALESCE(p.wins, 0)",
            f"{o}_places": "COALESCE(p.places, 0)",
            f"{o}_total_prize": f"COALESCE({pounds('p.prize')}, 0)",
            f"{o}_win_rate": percent("p.wins", "p.runs"),
            f"{o}_place_rate": percent("p.places", "p.runs"),
            f"{o}_avg_position": ratio("p.pos_sum", "p.finishes", 2),
            "updated_at": ":batch_ts",
        }
        return f"""
WITH own AS MATERIALIZED (  -- else PostgreSQL may regroup ``run`` once per ancestor
  SELECT horse_id, {_CAREER_SUMS}, MIN(race_date) AS first_date, MAX(race_date) AS last_date
  FROM {RUN_TABLE}
  WHERE horse_id IN (SELECT horse_id FROM {self.master.name} WHERE {in_scope(ctx, self.kind, 'id')})
  GROUP BY horse_id
),
c AS (
  SELECT m.id, own.* FROM {self.master.name} m JOIN own ON own.horse_id = m.horse_id
),
f AS (
  SELECT {self.run_column} AS id, COUNT(*) AS n FROM ra_mst_horses
  WHERE {self.run_column} IS NOT NULL AND {in_scope(ctx, self.kind, self.run_column)} GROUP BY {self.run_column}
),
p AS (
  SELECT id, SUM(n_runs) AS runs, SUM(n_wins) AS wins, SUM(n_top3) AS places, SUM(prize_pence) AS prize,
         SUM(pos_sum) AS pos_sum, SUM(n_finishes) AS finishes, SUM(CASE WHEN sub <> '' THEN 1 ELSE 0 END) AS horses
  FROM {sums_of(ctx.sums_table, f"{self.kind}_horse", in_scope(ctx, self.kind, "id"))} per_horse GROUP BY id
)
SELECT {select_list(columns)}
FROM {self.master.name} m
LEFT JOIN c ON c.id = m.id LEFT JOIN f ON f.id = m.id LEFT JOIN p ON p.id = m.id
WHERE {in_scope(ctx, self.kind, 'm.id')}
"""

    def scope_sql(self, ctx: Context, alias: str) -> str:
        return in_scope(ctx, self.kind, f"{alias}.{self.run_column}")

    def job(self) -> Job:
        return Job(self.table, CATEGORY, self.stage_sql, stamp="updated_at", key=(self.run_column,),
                   scope=self.scope_sql)


SIRE_STATS = Ancestor(ra_sire_stats, ra_mst_sires, "sire", "progeny", "total_progeny")
DAM_STATS = Ancestor(ra_dam_stats, ra_mst_dams, "dam", "progeny", "total_progeny")
DAMSIRE_STATS = Ancestor(ra_damsire_stats, ra_mst_damsires, "damsire", "grandoffspring", "total_grandoffspring")

JOBS = (SIRE_STATS.job(), DAM_STATS.job(), DAMSIRE_STATS.job())
