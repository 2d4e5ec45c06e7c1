"""The ``run`` relation: one row per horse that started in a resulted race (STATISTICS.md §1).

Every statistic is an aggregate over this one relation, so "what counts as a run" is decided here
and nowhere else: future declarations, unresulted and void races and non-runners are out;
non-finishers (PU, F, UR, ...) and disqualified horses are in, with no finishing position.

``populate`` materialises it once per batch as the temporary table ``run`` (private to the
connection, never written to the WAL): the grouped tables' stored sums
(:mod:`darkhorses.stats.sums`) are computed from it, and the per-horse tables read it directly.
Race-level facts (class, handicap, distance key, going group) are derived once per race, not per
runner. Numbers that later need exact arithmetic are carried as integers: pence, centiseconds,
nano-probabilities and P/L units (see :mod:`darkhorses.stats.sql`).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from darkhorses.stats.context import Context
from darkhorses.stats.sql import DH_UNITS, EUR_TO_GBP_PERCENT, P_SCALE, Dialect

RUN_TABLE = "run"

JUMPS_TYPES = "('Hurdle', 'Chase', 'NH Flat')"
NOT_STARTED = "('', 'NR', 'VOI', 'VOID')"
GOING_GROUPS = {
    "firm": ("hard", "firm", "good to firm"),
    "good": ("good", "good to yielding"),
    "soft": ("good to soft", "yielding", "yielding to soft", "soft"),
    "heavy": ("soft to heavy", "heavy"),
}


def class_number(race_class: str) -> str:
    """1-7 from ``'Class 4'`` (or a bare ``'4'``); NULL otherwise (most Irish races)."""
    digits = f"TRIM(REPLACE(LOWER({race_class}), 'class', ''))"
    return f"(CASE WHEN {digits} IN ('1', '2', '3', '4', '5', '6', '7') THEN CAST({digits} AS INTEGER) END)"


def is_handicap(race_name: str) -> str:
    """A03: the race name says handicap, h'cap or nursery (case-insensitive)."""
    name = f"LOWER({race_name})"
    return f"(CASE WHEN {name} LIKE '%handicap%' OR {name} LIKE '%h''cap%' OR {name} LIKE '%nursery%' THEN 1 ELSE 0 END)"


def distance_yards(race: str) -> str:
    """The API's yards if present, else furlongs x 220."""
    return f"COALESCE({race}.distance_y, CAST(ROUND({race}.distance_f * 220) AS INTEGER))"


def half_furlongs(yards: str) -> str:
    """The "same distance" key: the distance rounded to the nearest half furlong, counted in
    half furlongs (``distance_key_f = half_furlongs / 2``), exact in integers."""
    return f"((2 * ({yards}) + 110) / 220)"


def is_test(alias: str) -> str:
    """Rows the previous system marked as test data (ids starting ``**TEST**``)."""
    return f"({alias}.race_id LIKE '**TEST**%' OR {alias}.horse_id LIKE '**TEST**%')"


def going_group(going: str) -> str:
    """The exclusive going bucket of §7 (never a substring match); NULL for AW and unknown."""
    whens = " ".join(
        f"WHEN LOWER(TRIM({going})) IN ({', '.join(repr(g) for g in goings)}) THEN '{group}'"
        for group, goings in GOING_GROUPS.items()
    )
    return f"(CASE {whens} END)"


def race_facts(dialect: Dialect, ctx: Context, *, resulted: bool, races: str | None = None) -> str:
    """Race-level facts, computed once per race rather than once per runner.

    ``resulted`` keeps only races that count (a result, not void, on or before D), and in an
    incremental batch only those the batch needs (``races``, a predicate over the race ``ra``);
    otherwise every race is kept (the runner-form table also describes today's declarations).

    ``order_key`` places a race in time (its off, in epoch seconds; the end of its day when the
    off is unknown), the same in every batch, so "latest" means the same in a full and an
    incremental batch.
    """
    filters = ["TRUE"]
    if resulted:
        filters += ["ra.has_result = TRUE", "COALESCE(ra.is_abandoned, FALSE) = FALSE", "ra.date <= :as_of"]
        if races is not None:
            filters.append(races)
    if ctx.first_day is not None:
        filters.append(f"{dialect.day_number('ra.date')} >= :first_day")
    day = dialect.day_number('ra.date')
    return f"""SELECT ra.id AS race_id, ra.date AS race_date, {day} AS race_day,
         ra.off_dt, COALESCE({dialect.epoch_seconds('ra.off_dt')}, ({day} + 1) * 86400 - 1) AS order_key, ra.course_id, ra.region, ra.type AS race_type, ra.going AS going_raw,
         {class_number('ra.race_class')} AS class_num,
         {is_handicap('ra.race_name')} AS is_handicap,
         {distance_yards('ra')} AS distance_yards,
         {half_furlongs(distance_yards('ra'))} AS key_hf,
         CASE WHEN UPPER(ra.surface) = 'AW' THEN 1 ELSE 0 END AS is_aw,
         CASE WHEN ra.type IN {JUMPS_TYPES} THEN 1 ELSE 0 END AS is_jumps,
         {going_group('ra.going')} AS going_group
  FROM ra_mst_races ra WHERE {' AND '.join(filters)}"""


def run_select(dialect: Dialect, ctx: Context, races: str | None = None) -> str:
    """The SELECT that defines ``run`` as of ``:as_of`` (and from ``:first_day`` when the window is
    narrowed), over every race or only ``races`` (see :func:`race_facts`).

    A parsed ``position`` is a finish; text codes are checked only where there is none. The
    windows (field size, dead-heat size) are computed over a narrow projection and
    joined back on the runner: sorting the wide rows themselves spilled to disk at 1M runs.
    """
    raw = "UPPER(TRIM(ru.position_raw))"
    return f"""
WITH races AS (
  {race_facts(dialect, ctx, resulted=True, races=races)}
),
started AS (
  SELECT ru.id AS runner_id, ru.horse_id, ru.jockey_id, ru.trainer_id, ru.owner_id,
         COALESCE(h.sire_id, ru.sire_id) AS sire_id,
         COALESCE(h.dam_id, ru.dam_id) AS dam_id,
         COALESCE(h.damsire_id, ru.damsire_id) AS damsire_id,
         races.*,
         ru.position_raw, ru.position AS finish_pos,
         CASE WHEN ru.position IS NULL AND ({raw} IN ('DSQ', 'DQ') OR {raw} LIKE 'DSQ%') THEN 1 ELSE 0 END AS is_dsq,
         CASE WHEN ru.starting_price_decimal > 1
              THEN CAST(ROUND(ru.starting_price_decimal * 100) AS BIGINT) END AS sp_cents,
         CASE WHEN ru.prize_currency = 'EUR'
              THEN (CAST(ROUND(ru.prize_won * 100) AS BIGINT) * {EUR_TO_GBP_PERCENT} + 50) / 100
              ELSE CAST(ROUND(ru.prize_won * 100) AS BIGINT) END AS prize_pence,
         CAST(ROUND(ru.finishing_time_seconds * 100) AS BIGINT) AS time_cs
  FROM ra_mst_runners ru
  JOIN races ON races.race_id = ru.race_id
  LEFT JOIN ra_mst_horses h ON h.id = ru.horse_id
  WHERE COALESCE(ru.is_non_runner, FALSE) = FALSE AND COALESCE(ru.is_scratched, FALSE) = FALSE
    AND ru.position_raw IS NOT NULL AND (ru.position IS NOT NULL OR {raw} NOT IN {NOT_STARTED})
    AND NOT {is_test('ru')}
),
ranks AS (
  SELECT runner_id,
         COUNT(*) OVER (PARTITION BY race_id) AS starters,
         CASE WHEN finish_pos IS NULL THEN 1
              ELSE COUNT(*) OVER (PARTITION BY race_id, finish_pos) END AS dh_n
  FROM started
),
counted AS (
  SELECT started.*, ranks.starters, ranks.dh_n
  FROM started JOIN ranks ON ranks.runner_id = started.runner_id
)
SELECT counted.*,
       CASE WHEN finish_pos = 1 THEN 1 ELSE 0 END AS is_win,
       CASE WHEN finish_pos = 2 THEN 1 ELSE 0 END AS is_2nd,
       CASE WHEN finish_pos = 3 THEN 1 ELSE 0 END AS is_3rd,
       CASE WHEN finish_pos BETWEEN 1 AND 3 THEN 1 ELSE 0 END AS is_top3,
       CASE WHEN starters <= 4 THEN 1 WHEN starters <= 7 THEN 2
            WHEN is_handicap = 1 AND starters >= 16 THEN 4 ELSE 3 END AS ew_places,
       CASE WHEN finish_pos BETWEEN 1 AND
                 (CASE WHEN starters <= 4 THEN 1 WHEN starters <= 7 THEN 2
                       WHEN is_handicap = 1 AND starters >= 16 THEN 4 ELSE 3 END)
            THEN 1 ELSE 0 END AS is_ew_placed,
       CASE WHEN is_dsq = 1 THEN 'DSQ' WHEN finish_pos IS NULL THEN 'DNF' WHEN finish_pos = 1 THEN 'WON'
            WHEN finish_pos = 2 THEN '2ND' WHEN finish_pos = 3 THEN '3RD' ELSE 'UNPL' END AS outcome,
       CASE WHEN sp_cents IS NULL THEN 0 ELSE 1 END AS has_sp,
       (2 * {P_SCALE * 100} + sp_cents) / (2 * sp_cents) AS p_nano,
       CASE WHEN sp_cents IS NULL THEN NULL
            WHEN finish_pos = 1 THEN sp_cents * {DH_UNITS} / dh_n - {100 * DH_UNITS}
            ELSE -{100 * DH_UNITS} END AS pl_units
FROM counted
"""


TIME_SLOT = 10**6
"""A latest timed run is found with one MAX over ``order_key * TIME_SLOT + time_cs`` (the race's
place in time, then the time in centiseconds, which stays below 10,000 s), not a sort per group."""

GROUP_KEYS = ("runner_id", "race_id", "horse_id", "jockey_id", "trainer_id", "owner_id", "sire_id", "dam_id",
              "damsire_id", "course_id", "key_hf", "class_num")
"""The columns statistics group or join on: the only ones the planner needs statistics for."""


def materialise_run(connection: Connection, ctx: Context, races: str | None = None) -> int:
    """(Re)build the temporary ``run`` table for this batch (every run, or in an incremental batch
    the runs of ``races``, see :func:`race_facts`) and return its row count."""
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {RUN_TABLE}")
    connection.execute(ctx.sql(f"CREATE TEMPORARY TABLE {RUN_TABLE} AS {run_select(Dialect.of(connection), ctx, races)}"),
                       ctx.params())
    if ctx.incremental:  # looked up by runner, rather than scanned whole
        connection.exec_driver_sql(f"CREATE INDEX ix_{RUN_TABLE}_runner ON {RUN_TABLE} (runner_id)")
    return _analysed(connection)


def add_races(connection: Connection, ctx: Context, race_ids: str) -> int:
    """Add to ``run`` the runs of the races ``race_ids`` (a SELECT of race ids) that it does not
    hold yet, whole races so each race's field size and dead heats stay right; return its new
    row count."""
    races = f"ra.id IN ({race_ids}) AND ra.id NOT IN (SELECT race_id FROM {RUN_TABLE})"
    connection.execute(ctx.sql(f"INSERT INTO {RUN_TABLE} {run_select(Dialect.of(connection), ctx, races)}"),
                       ctx.params())
    return _analysed(connection)


def _analysed(connection: Connection) -> int:
    """Give the planner statistics on ``run``'s keys (PostgreSQL) and return its row count."""
    if Dialect.of(connection).is_postgres:
        connection.exec_driver_sql(f"ANALYZE {RUN_TABLE} ({', '.join(GROUP_KEYS)})")
    return int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {RUN_TABLE}").scalar_one())
