"""``ra_runner_statistics`` (STATISTICS.md §7): each runner's form going into the race.

Point in time, so nothing leaks from the race itself or later races (B21): the prior set of a
runner is the horse's runs strictly before it, ordered by (race date, off time, runner id). One
row per runner row, including debutants (all zeros) and today's declarations, which are exactly
the rows a racecard reader needs.

Set-based without a self-join: every runner row of the horse is put in one ordered sequence in
which only runs carry weight, and each figure is a window sum over the preceding rows (partitioned
by course, distance or jockey where the figure needs it). "Last 12 months" is a day-range window
minus the same-day rows from this one on. "Last 10 runs" is a range window over the running count
of runs (``runs_through``): a run sees the ten counts before its own, any other row the ten up to
and including its own, so declarations and non-runners never take a slot. The cost is a handful
of sorts, linear in the number of runners.
"""

from __future__ import annotations

from darkhorses.db.schema import ra_runner_statistics
from darkhorses.stats.context import Context
from darkhorses.stats.job import Job
from darkhorses.stats.record import select_list
from darkhorses.stats.run import RUN_TABLE, is_test, race_facts
from darkhorses.stats.scope import in_scope
from darkhorses.stats.sql import Dialect, percent, pounds

CATEGORY = "supplementary"

ORDER = "race_day, off_dt NULLS LAST, runner_id"
"""The horse's sequence. Ordering by the day number lets the day-range windows share its sort."""
PRIOR = "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
METRICS = {"runs": "f", "wins": "w", "2nds": "s2", "3rds": "s3"}

# Groups counted over the horse's whole prior sequence, restricted to runs of a kind.
HORSE_GROUPS = {
    "firm": "going_group = 'firm'",
    "good": "going_group = 'good'",
    "soft": "going_group = 'soft'",
    "heavy": "going_group = 'heavy'",
    "aw": "is_aw = 1",
    "jumps": "is_jumps = 1",
}
# Groups counted over the prior runs that share this runner's course / distance / jockey.
MATCH_GROUPS = {
    "course": ("course_id",),
    "distance": ("key_hf",),
    "course_distance": ("course_id", "key_hf"),
    "jockey": ("jockey_id",),
}


def _windows() -> str:
    named = {"hp": f"PARTITION BY horse_id ORDER BY {ORDER} {PRIOR}"}
    for group, keys in MATCH_GROUPS.items():
        named[group] = f"PARTITION BY horse_id, {', '.join(keys)} ORDER BY {ORDER} {PRIOR}"
    named["year"] = "PARTITION BY horse_id ORDER BY race_day RANGE BETWEEN 364 PRECEDING AND CURRENT ROW"
    named["sameday_on"] = (
        "PARTITION BY horse_id, race_day ORDER BY off_dt NULLS LAST, runner_id "
        "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING"
    )
    return ",\n  ".join(f"{name} AS ({spec})" for name, spec in named.items())


def _window_columns() -> dict[str, str]:
    columns = {
        "career_runs": "COALESCE(SUM(f) OVER hp, 0)",
        "career_wins": "COALESCE(SUM(w) OVER hp, 0)",
        "career_top3": "COALESCE(SUM(p3) OVER hp, 0)",
        "career_pence": "COALESCE(SUM(prize) OVER hp, 0)",
        "last_raced": "MAX(run_date) OVER hp",
        "last_won": "MAX(win_date) OVER hp",
        "min_winning_distance_yards": "MIN(win_yards) OVER hp",
        "max_winning_distance_yards": "MAX(win_yards) OVER hp",
    }
    for group, condition in HORSE_GROUPS.items():
        for metric, value in METRICS.items():
            columns[f"{group}_{metric}"] = f"COALESCE(SUM(CASE WHEN {condition} THEN {value} ELSE 0 END) OVER hp, 0)"
    for group, keys in MATCH_GROUPS.items():
        unknown = " OR ".join(f"{k} IS NULL" for k in keys)
        for metric, value in METRICS.items():
            columns[f"{group}_{metric}"] = f"CASE WHEN {unknown} THEN 0 ELSE COALESCE(SUM({value}) OVER {group}, 0) END"
    for metric, value in METRICS.items():
        columns[f"last_12m_{metric}"] = f"SUM({value}) OVER year - SUM({value}) OVER sameday_on"
    return columns


def stage_sql(dialect: Dialect, ctx: Context) -> str:
    output = {
        "runner_id": "s.runner_id",
        "horse_id": "s.horse_id",
        "career_runs": "s.career_runs",
        "career_wins": "s.career_wins",
        "career_prize": pounds("s.career_pence"),
        "career_win_percent": percent("s.career_wins", "s.career_runs"),
        "career_place_percent": percent("s.career_top3", "s.career_runs"),
    }
    skip = {"career_runs", "career_wins", "career_top3", "career_pence"}
    output |= {name: f"s.{name}" for name in _window_columns() if name not in skip}
    output |= {
        f"last_10_{metric}": f"COALESCE(CASE WHEN s.f = 1 THEN SUM(s.{value}) OVER ten_before "
                             f"ELSE SUM(s.{value}) OVER ten_upto END, 0)"
        for metric, value in METRICS.items()
    }
    output["updated_at"] = ":batch_ts"
    # Only the races of horses in scope (by the runners' horse index), not every race's facts.
    scoped_races = (f"race_id IN (SELECT race_id FROM ra_mst_runners WHERE {in_scope(ctx, 'horse', 'horse_id')})"
                    if ctx.incremental else "TRUE")
    return f"""
WITH races AS (
  SELECT * FROM ({race_facts(dialect, ctx, resulted=False)}) rf
  WHERE {scoped_races}
),
seq AS (
  SELECT ru.id AS runner_id, {dialect.bytewise('ru.horse_id')} AS horse_id, races.race_date, races.race_day,
         races.off_dt, {dialect.bytewise('races.course_id')} AS course_id, races.key_hf,
         {dialect.bytewise('ru.jockey_id')} AS jockey_id,
         CASE WHEN r.runner_id IS NULL THEN 0 ELSE 1 END AS f,
         COALESCE(r.is_win, 0) AS w, COALESCE(r.is_2nd, 0) AS s2, COALESCE(r.is_3rd, 0) AS s3,
         COALESCE(r.is_top3, 0) AS p3, r.prize_pence AS prize, r.going_group, r.is_aw, r.is_jumps,
         r.race_date AS run_date,
         CASE WHEN r.is_win = 1 THEN r.race_date END AS win_date,
         CASE WHEN r.is_win = 1 THEN r.distance_yards END AS win_yards
  FROM ra_mst_runners ru
  JOIN races ON races.race_id = ru.race_id
  LEFT JOIN {RUN_TABLE} r ON r.runner_id = ru.id
  WHERE NOT {is_test('ru')} AND {in_scope(ctx, 'horse', 'ru.horse_id')}
),
s AS (
  SELECT runner_id, horse_id, f, w, s2, s3, {select_list(_window_columns())},
         SUM(f) OVER (PARTITION BY horse_id ORDER BY {ORDER} ROWS UNBOUNDED PRECEDING) AS runs_through
  FROM seq
  WINDOW {_windows()}
)
SELECT {select_list(output)}
FROM s
WINDOW ten_before AS (PARTITION BY horse_id ORDER BY runs_through RANGE BETWEEN 10 PRECEDING AND 1 PRECEDING),
       ten_upto AS (PARTITION BY horse_id ORDER BY runs_through RANGE BETWEEN 9 PRECEDING AND CURRENT ROW)
"""


def scope_sql(ctx: Context, alias: str) -> str:
    return in_scope(ctx, "horse", f"{alias}.horse_id")


JOBS = (Job(ra_runner_statistics, CATEGORY, stage_sql, stamp="updated_at", key=("runner_id",), scope=scope_sql),)
