"""Jockey, trainer and owner statistics (STATISTICS.md §3), one implementation for all three.

The record comes from the entity's stored sums (:mod:`darkhorses.stats.sums`); the 14- and
30-day form from the runs of the last 30 days, which every batch holds.

Every row of the master table is written (a LEFT JOIN from the master), so an entity with no runs
as of D is reset to zero counts and NULL rates instead of keeping stale values (B14). Only the
statistics columns are touched; the fetched id and name are not (B32).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table

from darkhorses.db.schema import ra_mst_jockeys, ra_mst_owners, ra_mst_trainers
from darkhorses.stats.context import Context
from darkhorses.stats.job import Job
from darkhorses.stats.record import record_values, select_list
from darkhorses.stats.run import RUN_TABLE
from darkhorses.stats.scope import WINDOWS, in_scope
from darkhorses.stats.sql import Dialect, percent
from darkhorses.stats.sums import sums_of

CATEGORY = "statistics"


@dataclass(frozen=True)
class People:
    """How one people table names things: the run column and the contract's word for a start."""

    table: Table
    run_column: str
    starts: str  # total_<starts>: rides | runners
    start: str  # last_<start>_date: ride | runner
    recent: str  # recent_14d_<recent>: rides | runs
    counts_horses: bool = False

    def stage_sql(self, dialect: Dialect, ctx: Context) -> str:
        v = record_values("a")
        columns = {
            "id": "m.id",
            f"total_{self.starts}": v["runs"],
            "total_wins": v["wins"],
            "total_places": v["top3"],
            "total_seconds": v["seconds"],
            "total_thirds": v["thirds"],
            "win_rate": v["win_pct"],
            "place_rate": v["top3_pct"],
            "ae_index": v["ae"],
            "profit_loss_1u": v["pl"],
            "sp_coverage": v["sp_coverage"],
            "ew_places": v["ew"],
            "ew_place_rate": v["ew_pct"],
            "stats_updated_at": ":batch_ts",
            f"last_{self.start}_date": "a.last_date",
            "last_win_date": "a.last_win_date",
            f"days_since_last_{self.start}": f":as_of_day - {dialect.day_number('a.last_date')}",
            "days_since_last_win": f":as_of_day - {dialect.day_number('a.last_win_date')}",
        }
        for days in (14, 30):
            columns[f"recent_{days}d_{self.recent}"] = f"COALESCE(w.runs_{days}, 0)"
            columns[f"recent_{days}d_wins"] = f"COALESCE(w.wins_{days}, 0)"
            columns[f"recent_{days}d_win_rate"] = percent(f"w.wins_{days}", f"w.runs_{days}")
        scoped = in_scope(ctx, self.kind, "id")
        horses = ""
        if self.counts_horses:
            columns["total_horses"] = "COALESCE(h.horses, 0)"
            horses = (f"\nLEFT JOIN (SELECT id, SUM(CASE WHEN sub <> '' THEN 1 ELSE 0 END) AS horses "
                      f"FROM {sums_of(ctx.sums_table, f'{self.kind}_horse', scoped)} s GROUP BY id) h ON h.id = m.id")
        windows = ",\n       ".join(
            f"SUM(CASE WHEN race_day > :day_{days} THEN 1 ELSE 0 END) AS runs_{days}, "
            f"SUM(CASE WHEN race_day > :day_{days} THEN is_win ELSE 0 END) AS wins_{days}"
            for days in WINDOWS
        )
        return f"""
WITH w AS (
  SELECT {self.run_column} AS id, {windows}
  FROM {RUN_TABLE} WHERE {self.run_column} IS NOT NULL AND race_day > :day_{max(WINDOWS)}
    AND {in_scope(ctx, self.kind, self.run_column)}
  GROUP BY {self.run_column}
)
SELECT {select_list(columns)}
FROM {self.table.name} m
LEFT JOIN {sums_of(ctx.sums_table, self.kind, scoped)} a ON a.id = m.id
LEFT JOIN w ON w.id = m.id{horses}
WHERE {in_scope(ctx, self.kind, 'm.id')}
"""

    @property
    def kind(self) -> str:
        return self.run_column.removesuffix("_id")

    def calendar_sql(self, dialect: Dialect) -> str:
        """Days since the last start and win move with the as-of date for everyone."""
        return (f"UPDATE {self.table.name} SET "
                f"days_since_last_{self.start} = :as_of_day - {dialect.day_number(f'last_{self.start}_date')}, "
                f"days_since_last_win = :as_of_day - {dialect.day_number('last_win_date')}")

    def job(self) -> Job:
        return Job(self.table, CATEGORY, self.stage_sql, stamp="stats_updated_at", master=True,
                   calendar=self.calendar_sql)


JOCKEYS = People(ra_mst_jockeys, "jockey_id", "rides", "ride", "rides")
TRAINERS = People(ra_mst_trainers, "trainer_id", "runners", "runner", "runs")
OWNERS = People(ra_mst_owners, "owner_id", "runners", "runner", "runs", counts_horses=True)

JOBS = (JOCKEYS.job(), TRAINERS.job(), OWNERS.job())
