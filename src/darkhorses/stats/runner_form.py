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
of narrow sorts and hash joins on the runner, linear in the number of runners.
"""

from __future__ import annotations

from darkhorses.db.schema import ra_runner_statistics
from darkhorses.stats.context import Context
from darkhorses.stats.job import Job
from darkhorses.stats.record import select_list
from darkhorses.stats.run import RUN_TABLE, is_test, race_facts
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


HORSE_WINDOWS = {
    "hp": f"PARTITION BY horse_id ORDER BY {ORDER} {PRIOR}",
    "year": "PARTITION BY horse_id ORDER BY race_day RANGE BETWEEN 364 PRECEDING AND CURRENT ROW",
    "sameday_on": "PARTITION BY horse_id, race_day ORDER BY off_dt NULLS LAST, runner_id "
                  "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
}


def _horse_columns() -> dict[str, str]:
    """Figures over the horse's whole prior sequence (one sort serves all of them)."""
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
    for metric, value in METRICS.items():
        columns[f"last_12m_{metric}"] = f"SUM({value}) OVER year - SUM({value}) OVER sameday_on"
    return columns


def _match_columns(group: str, keys: tuple[str, ...]) -> dict[str, str]:
    """Figures over the prior runs sharing this runner's course / distance / jockey."""
    unknown = " OR ".join(f"{k} IS NULL" for k in keys)
    return {
        f"{group}_{metric}": f"CASE WHEN {unknown} THEN 0 ELSE COALESCE(SUM({value}) OVER w, 0) END"
        for metric, value in METRICS.items()
    }


def _last_ten_columns() -> dict[str, str]:
    return {
        f"last_10_{metric}": f"COALESCE(CASE WHEN f = 1 THEN SUM({value}) OVER ten_before "
                             f"ELSE SUM({value}) OVER ten_upto END, 0)"
        for metric, value in METRICS.items()
    }


def _families() -> dict[str, str]:
    """One narrow window pass per partitioning, each reading only the columns it needs from
    ``seq`` and returning ``runner_id`` plus its figures. Sorting narrow rows in separate passes
    and joining them on the runner is much cheaper than carrying every figure through every sort."""
    windows = ",\n         ".join(f"{name} AS ({spec})" for name, spec in HORSE_WINDOWS.items())
    families = {
        "horse_form": f"SELECT runner_id, {select_list(_horse_columns())}\n  FROM seq\n  WINDOW {windows}",
        "ten_form": (
            f"SELECT runner_id, {select_list(_last_ten_columns())}\n  FROM runs_through\n"
            "  WINDOW ten_before AS (PARTITION BY horse_id ORDER BY n RANGE BETWEEN 10 PRECEDING AND 1 PRECEDING),\n"
            "         ten_upto AS (PARTITION BY horse_id ORDER BY n RANGE BETWEEN 9 PRECEDING AND CURRENT ROW)"
        ),
    }
    for group, keys in MATCH_GROUPS.items():
        families[f"{group}_form"] = (
            f"SELECT runner_id, {select_list(_match_columns(group, keys))}\n  FROM seq\n"
            f"  WINDOW w AS (PARTITION BY horse_id, {', '.join(keys)} ORDER BY {ORDER} {PRIOR})"
        )
    return families


def stage_sql(dialect: Dialect, ctx: Context) -> str:
    families = _families()
    output = {
        "runner_id": "seq.runner_id",
        "horse_id": "seq.horse_id",
        "career_runs": "career_runs",
        "career_wins": "career_wins",
        "career_prize": pounds("career_pence"),
        "career_win_percent": percent("career_wins", "career_runs"),
        "career_place_percent": percent("career_top3", "career_runs"),
    }
    figures = {**_horse_columns(), **_last_ten_columns()}
    for group, keys in MATCH_GROUPS.items():
        figures |= _match_columns(group, keys)
    output |= {name: name for name in figures if name not in {"career_top3", "career_pence"} and name not in output}
    output["updated_at"] = ":batch_ts"
    ctes = ",\n".join(f"{name} AS (\n  {sql}\n)" for name, sql in families.items())
    joins = "\n".join(f"JOIN {name} USING (runner_id)" for name in families)
    return f"""
WITH races AS (
  {race_facts(dialect, ctx, resulted=False)}
),
seq AS (
  SELECT ru.id AS runner_id, ru.horse_id, races.race_day, races.off_dt, races.course_id,
         races.key_hf, ru.jockey_id,
         CASE WHEN r.runner_id IS NULL THEN 0 ELSE 1 END AS f,
         COALESCE(r.is_win, 0) AS w, COALESCE(r.is_2nd, 0) AS s2, COALESCE(r.is_3rd, 0) AS s3,
         COALESCE(r.is_top3, 0) AS p3, r.prize_pence AS prize, r.going_group, r.is_aw, r.is_jumps,
         r.race_date AS run_date,
         CASE WHEN r.is_win = 1 THEN r.race_date END AS win_date,
         CASE WHEN r.is_win = 1 THEN r.distance_yards END AS win_yards
  FROM ra_mst_runners ru
  JOIN races ON races.race_id = ru.race_id
  LEFT JOIN {RUN_TABLE} r ON r.runner_id = ru.id
  WHERE NOT {is_test('ru')}
),
runs_through AS (
  SELECT runner_id, horse_id, f, w, s2, s3,
         SUM(f) OVER (PARTITION BY horse_id ORDER BY {ORDER} ROWS UNBOUNDED PRECEDING) AS n
  FROM seq
),
{ctes}
SELECT {select_list(output)}
FROM seq
{joins}
"""


JOBS = (Job(ra_runner_statistics, CATEGORY, stage_sql, stamp="updated_at", key=("runner_id",)),)
