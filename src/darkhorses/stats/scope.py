"""Incremental populate: which keys the data changed since the last populate can affect.

A statistic of an entity (a horse, jockey, sire, ...) is an aggregate over that entity's runs, so
it can change only if one of its runs changed, entered or left the statistics window, or the
entity's own row changed. The scope of a batch is that set of entities, per kind, held in the
temporary table ``scope_keys (kind, id)``:

* **changed runner rows**: written since the last populate's watermark (the database clock at its
  snapshot, less :data:`WATERMARK_OVERLAP`), judged by ``updated_at``, theirs or
  their race's), all runner rows of a horse whose record changed (its pedigree feeds every run),
  and the runner rows of races that entered or left the window (the as-of date or ``--lookback``
  moved);
* their horse, jockey, trainer, owner, sire, dam and damsire **now** (from the tables) and
  **before** (from ``dh_stats_run_keys``, the keys each run had at the last populate), so a run that
  moved from one jockey to another, or stopped being a run, updates both;
* pedigree masters and people masters written since the watermark (new rows, names, the link to
  the ancestor's own horse record), and ancestors whose own horse record is in scope;
* jockeys, trainers and owners with a run on a day that entered or left their 14- or 30-day window;
* sires, dams and damsires whose count of offspring in ``ra_mst_horses`` differs from the stored
  one (a horse without runs that changed pedigree moves a count and nothing else);
* the entities of every new or amended run of a race with a changed runner row (another runner
  turning non-runner changes the field size, so the each-way places, of the rest), once
  :mod:`darkhorses.stats.sums` has compared them with their stored facts.

Every table is then rewritten for its scoped keys only and rows of scoped keys that are no
longer produced are deleted. The grouped tables read their stored sums; runner form, lineage and
own careers read a ``run`` relation of whole races (so field sizes and dead heats are right): the
changed races, every race of a horse in scope, the 30-day window, and every race of an entity
whose sums are recomputed whole. Rows outside the scope are left as they are: by construction
their inputs did not change. ``populate --full`` recomputes everything.

``kind`` is one of :data:`KINDS`; ``<kind>_row`` kinds name pedigree masters whose own row changed
(their name or own horse record), which the lineage rows of their offspring quote; they are in
the ``<kind>`` scope as well.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection

from darkhorses.db.schema import dh_stats_state
from darkhorses.db.types import UTCDateTime
from darkhorses.stats.context import EPOCH, Context, day_number
from darkhorses.stats.run import RUN_TABLE
from darkhorses.stats.sql import Dialect
from darkhorses.stats.sums import FRESH, KEY_KINDS, PEDIGREE, PEOPLE, REGROUP, RUN_KEYS, races_of

SCOPE_TABLE = "scope_keys"
CHANGED_RUNNERS = "scope_runners"
CHANGED_KEYS = "scope_runner_keys"
KINDS = ("horse", *PEOPLE, *PEDIGREE, *(f"{kind}_row" for kind in PEDIGREE))
WINDOWS = (14, 30)
"""The rolling windows of the people tables (``recent_14d_*``, ``recent_30d_*``)."""
WATERMARK_OVERLAP = dt.timedelta(minutes=10)
"""Changes are taken from this long before the last watermark on, so a fetch transaction that
began before the last populate's snapshot and committed after it (its rows stamped with its
start) is still seen; recomputing a key twice is harmless. SQLite stamps whole seconds, so at
least one second is needed."""
WATCHED = ("ra_mst_runners", "ra_mst_races", "ra_mst_horses", "ra_mst_jockeys", "ra_mst_trainers",
           "ra_mst_owners", "ra_mst_sires", "ra_mst_dams", "ra_mst_damsires")
"""The tables statistics read, whose ``updated_at`` says what changed."""
RACES = "scope_races"
RACE_RUNNERS = "scope_race_runners"
"""Every runner of a race in which a runner changed: their runs are compared with the stored facts."""


@dataclass(frozen=True)
class Previous:
    """The last complete populate of every table, from ``dh_stats_state``."""

    as_of: dt.date
    first_day: int | None
    parameters: str
    watermark: dt.datetime | None


def in_scope(ctx: Context, kind: str, column: str) -> str:
    """A predicate: ``column`` holds a key of ``kind`` in the batch's scope (TRUE in a full batch)."""
    if not ctx.incremental:
        return "TRUE"
    return f"{column} IN (SELECT id FROM {SCOPE_TABLE} WHERE kind = '{kind}')"


def any_in_scope(ctx: Context, pairs: dict[str, str]) -> str:
    """At least one of ``{kind: column}`` is in scope (TRUE in a full batch)."""
    if not ctx.incremental:
        return "TRUE"
    return "(" + " OR ".join(in_scope(ctx, kind, column) for kind, column in pairs.items()) + ")"


def watermark(connection: Connection) -> dt.datetime:
    """The database's clock at the batch's snapshot: every write stamped before it (less the
    overlap, for transactions still open then) is in the data this batch reads."""
    value = connection.execute(select(text("CURRENT_TIMESTAMP"))).scalar_one()
    return UTCDateTime().process_result_value(value, connection.dialect)  # type: ignore[return-value]


def read_previous(connection: Connection, tables: list[str]) -> Previous | None:
    """The common state of ``tables`` at their last populate, or None when they do not share one
    (never computed, computed apart, or by different versions of the parameters)."""
    rows = connection.execute(select(dh_stats_state)).mappings().all()
    states = {row["table_name"]: row for row in rows}
    distinct = {(s["as_of"], s["first_day"], s["parameters"], s["watermark"])
                for name in tables if (s := states.get(name)) is not None}
    if len(distinct) != 1 or any(name not in states for name in tables):
        return None
    as_of, first_day, parameters, mark = distinct.pop()
    return Previous(as_of, first_day, parameters, mark)


def incremental_from(previous: Previous | None, ctx: Context) -> str | None:
    """Why this batch must be a full one, or None when it can be incremental after ``previous``."""
    if previous is None:
        return "no common previous populate of every table"
    if previous.watermark is None:
        return "the previous populate saw an empty database"
    if previous.parameters != json.dumps(ctx.parameters(), sort_keys=True):
        return "the parameters changed"
    if ctx.as_of < previous.as_of:
        return "the as-of date moved back"
    return None


def record_state(connection: Connection, tables: list[str], ctx: Context, mark: dt.datetime | None) -> None:
    """Remember what ``tables`` now describe (in the caller's transaction)."""
    connection.execute(dh_stats_state.delete().where(dh_stats_state.c.table_name.in_(tables)))
    connection.execute(dh_stats_state.insert(), [
        {"table_name": name, "as_of": ctx.as_of, "first_day": ctx.first_day,
         "parameters": json.dumps(ctx.parameters(), sort_keys=True), "watermark": mark,
         "populated_at": ctx.batch_ts}
        for name in tables
    ])


def _day_ranges(before: tuple[int, int], after: tuple[int, int]) -> list[tuple[int, int]]:
    """Inclusive day-number ranges covering the days in exactly one of two inclusive ranges."""
    (a0, a1), (b0, b1) = before, after
    ranges = [(min(a0, b0), max(a0, b0) - 1), (min(a1, b1) + 1, max(a1, b1))]
    if a1 < b0 or b1 < a0:  # disjoint: both whole ranges
        ranges = [before, after]
    return [(lo, hi) for lo, hi in ranges if lo <= hi]


def _days_sql(date_sql: str, ranges: list[tuple[int, int]]) -> str:
    """Dates within the day-number ranges, compared as dates so that the index on them serves."""
    if not ranges:
        return "FALSE"
    return "(" + " OR ".join(f"{date_sql} BETWEEN '{EPOCH + dt.timedelta(days=lo)}' AND '{EPOCH + dt.timedelta(days=hi)}'"
                             for lo, hi in ranges) + ")"


def build_scope(connection: Connection, ctx: Context, previous: Previous) -> None:
    """Create ``scope_runners`` and ``scope_keys`` for this batch on ``connection``."""
    dialect = Dialect.of(connection)
    since = previous.watermark - WATERMARK_OVERLAP  # type: ignore[operator]
    old_first = previous.first_day if previous.first_day is not None else 0
    new_first = ctx.first_day if ctx.first_day is not None else 0
    moved = _day_ranges((old_first, day_number(previous.as_of)), (new_first, ctx.as_of_day))
    windows = [r for days in WINDOWS
               for r in _day_ranges((day_number(previous.as_of) - days + 1, day_number(previous.as_of)),
                                    (ctx.as_of_day - days + 1, ctx.as_of_day))]
    params = {"since": since}
    drop_scope(connection)

    def run(sql: str) -> None:
        if ":since" not in sql:
            connection.exec_driver_sql(sql)
            return
        connection.execute(text(sql).bindparams(bindparam("since", type_=UTCDateTime())), params)

    # Runner rows whose run (or declaration) may read differently now.
    run(f"""CREATE TEMPORARY TABLE {CHANGED_RUNNERS} AS
SELECT ru.id AS runner_id FROM ra_mst_runners ru WHERE ru.updated_at >= :since
UNION SELECT ru.id FROM ra_mst_runners ru JOIN ra_mst_races ra ON ra.id = ru.race_id WHERE ra.updated_at >= :since
UNION SELECT ru.id FROM ra_mst_runners ru JOIN ra_mst_races ra ON ra.id = ru.race_id WHERE {_days_sql('ra.date', moved)}
UNION SELECT ru.id FROM ra_mst_runners ru JOIN ra_mst_horses h ON h.id = ru.horse_id WHERE h.updated_at >= :since""")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {RACE_RUNNERS} AS SELECT ru.id AS runner_id FROM ra_mst_runners ru "
        f"WHERE ru.race_id IN (SELECT r.race_id FROM {CHANGED_RUNNERS} c JOIN ra_mst_runners r ON r.id = c.runner_id)")
    pedigree_now = ", ".join(f"COALESCE(h.{kind}_id, ru.{kind}_id) AS {kind}_id" for kind in PEDIGREE)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {CHANGED_KEYS} AS SELECT ru.horse_id, {', '.join(f'ru.{k}_id' for k in PEOPLE)}, "
        f"{pedigree_now} FROM {CHANGED_RUNNERS} c JOIN ra_mst_runners ru ON ru.id = c.runner_id "
        "LEFT JOIN ra_mst_horses h ON h.id = ru.horse_id")
    now_keys = " UNION ".join(
        f"SELECT '{kind}', {kind}_id FROM {CHANGED_KEYS} WHERE {kind}_id IS NOT NULL"
        for kind in KEY_KINDS
    )
    old_keys = " UNION ".join(
        f"SELECT '{kind}', k.{kind}_id FROM {CHANGED_RUNNERS} c JOIN {RUN_KEYS} k ON k.runner_id = c.runner_id "
        f"WHERE k.{kind}_id IS NOT NULL"
        for kind in KEY_KINDS
    )
    masters = " UNION ".join(
        f"SELECT '{kind}', id FROM ra_mst_{kind}s WHERE updated_at >= :since" for kind in (*PEOPLE, *PEDIGREE)
    )
    rows = " UNION ".join(  # a changed master row is in scope both for itself and for lineage
        f"SELECT '{scoped}', id FROM ra_mst_{kind}s WHERE updated_at >= :since "
        f"OR horse_id IN (SELECT id FROM ra_mst_horses WHERE updated_at >= :since)"
        for kind in PEDIGREE for scoped in (kind, f"{kind}_row")
    )
    window_people = " UNION ".join(
        f"SELECT '{kind}', ru.{kind}_id FROM ra_mst_runners ru JOIN ra_mst_races ra ON ra.id = ru.race_id "
        f"WHERE {_days_sql('ra.date', windows)} AND ru.{kind}_id IS NOT NULL"
        for kind in PEOPLE
    ) if windows else ""
    counts = " UNION ".join(
        f"""SELECT '{kind}', m.id FROM ra_mst_{kind}s m
  LEFT JOIN (SELECT {kind}_id AS id, COUNT(*) AS n FROM ra_mst_horses WHERE {kind}_id IS NOT NULL
             GROUP BY {kind}_id) f ON f.id = m.id
  LEFT JOIN ra_{kind}_stats s ON s.{kind}_id = m.id
  WHERE s.{kind}_id IS NULL OR COALESCE(f.n, 0) <> COALESCE(s.total_{'grandoffspring' if kind == 'damsire' else 'progeny'}, 0)"""
        for kind in PEDIGREE
    )
    parts = [now_keys, old_keys, masters, rows, counts] + ([window_people] if window_people else [])
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {SCOPE_TABLE} (kind TEXT NOT NULL, id TEXT NOT NULL)")
    run(f"INSERT INTO {SCOPE_TABLE} (kind, id) " + " UNION ".join(parts))
    connection.exec_driver_sql(f"CREATE INDEX ix_{SCOPE_TABLE} ON {SCOPE_TABLE} (kind, id)")
    # An ancestor whose own horse ran is in scope for its own-career columns.
    run(f"""INSERT INTO {SCOPE_TABLE} SELECT DISTINCT k.kind, k.id FROM (
{' UNION '.join(f"SELECT '{kind}' AS kind, id FROM ra_mst_{kind}s WHERE horse_id IN (SELECT id FROM {SCOPE_TABLE} WHERE kind = 'horse')" for kind in PEDIGREE)}
) k WHERE NOT EXISTS (SELECT 1 FROM {SCOPE_TABLE} s WHERE s.kind = k.kind AND s.id = k.id)""")
    _build_races(connection, ctx)
    if dialect.is_postgres:
        for name in (SCOPE_TABLE, CHANGED_RUNNERS, RACE_RUNNERS, RACES):
            connection.exec_driver_sql(f"ANALYZE {name}")


def _build_races(connection: Connection, ctx: Context) -> None:
    """``scope_races``: the races an incremental ``run`` relation starts from. The races of changed
    runners, every race of a horse in scope (its form and lineage read all of its runs) or of an
    ancestor in scope (its own career), the races whose lineage quotes a changed pedigree row, and
    every race of the people tables' 30-day window. The groups of people and pedigree come from
    their stored sums (:mod:`darkhorses.stats.sums`), which add the races of the entities they
    recompute whole. Each part is found through an index, never by scanning the runners."""
    own = [f"SELECT race_id FROM ra_mst_runners WHERE horse_id IN (SELECT horse_id FROM ra_mst_{kind}s "
           f"WHERE id IN (SELECT id FROM {SCOPE_TABLE} WHERE kind = '{kind}'))" for kind in PEDIGREE]
    rows = races_of(SCOPE_TABLE, {kind: f"{kind}_row" for kind in PEDIGREE})
    window = _days_sql("date", [(ctx.as_of_day - max(WINDOWS) + 1, ctx.as_of_day)])
    parts = [f"SELECT ru.race_id FROM {CHANGED_RUNNERS} c JOIN ra_mst_runners ru ON ru.id = c.runner_id",
             f"SELECT race_id FROM ra_mst_runners WHERE horse_id IN (SELECT id FROM {SCOPE_TABLE} WHERE kind = 'horse')",
             *own, *rows, f"SELECT id FROM ra_mst_races WHERE {window}"]
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {RACES} AS {' UNION '.join(parts)}")


def scope_races_filter() -> str:
    """The races of an incremental ``run`` relation, as a predicate over the race ``ra``."""
    return f"ra.id IN (SELECT race_id FROM {RACES})"


def touch_changed_runs(connection: Connection) -> None:
    """Put in scope the entities of every new run and of every amended one, old and new: the
    runs of a changed race whose own rows did not change (another runner turned non-runner and
    changed its field size) are among them."""
    connection.exec_driver_sql(
        f"INSERT INTO {SCOPE_TABLE} (kind, id) SELECT kind, id FROM {REGROUP} UNION "
        + " UNION ".join(f"SELECT '{kind}', r.{kind}_id FROM {RUN_TABLE} r JOIN {FRESH} f ON f.runner_id = r.runner_id "
                         f"WHERE r.{kind}_id IS NOT NULL" for kind in KEY_KINDS))


def drop_scope(connection: Connection) -> None:
    for name in (CHANGED_RUNNERS, CHANGED_KEYS, SCOPE_TABLE, RACE_RUNNERS, RACES, FRESH, REGROUP):
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
