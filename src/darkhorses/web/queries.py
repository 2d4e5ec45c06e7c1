"""The few reads only the dashboard needs; everything else comes from :mod:`darkhorses.ops`.

Each is one grouped query over the whole table (no per-row Python), so a page costs the same
number of statements on a ten-day demo and on a ten-year archive.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from darkhorses.db.schema import dh_work_units, ra_mst_jockeys, ra_mst_races, ra_mst_runners, ra_mst_sires, ra_mst_trainers

SEARCH_LIMIT = 25
PEOPLE: dict[str, tuple[Table, tuple[str, ...]]] = {
    "sires": (ra_mst_sires, ("total_runners", "total_wins", "overall_win_percent", "overall_ae_index",
                             "profit_loss_1u", "best_distance", "best_class")),
    "jockeys": (ra_mst_jockeys, ("total_rides", "total_wins", "win_rate", "place_rate", "recent_14d_rides",
                                 "recent_14d_win_rate", "last_ride_date")),
    "trainers": (ra_mst_trainers, ("total_runners", "total_wins", "win_rate", "place_rate", "recent_14d_runs",
                                   "recent_14d_win_rate", "last_runner_date")),
}
"""What the statistics page can search, and the key figures it shows (the first ranks the list)."""


def races_per_day(connection: Connection) -> list[tuple[dt.date, int, int]]:
    """``(date, races, runners)`` for every date with a race, oldest first (runners: every declared runner)."""
    runners = (select(ra_mst_runners.c.race_id, func.count().label("runners"))
               .group_by(ra_mst_runners.c.race_id).subquery())
    query = (select(ra_mst_races.c.date, func.count(), func.coalesce(func.sum(runners.c.runners), 0))
             .select_from(ra_mst_races.outerjoin(runners, runners.c.race_id == ra_mst_races.c.id))
             .group_by(ra_mst_races.c.date).order_by(ra_mst_races.c.date))
    return [(day, int(races), int(count)) for day, races, count in connection.execute(query)]


def units_finished_since(connection: Connection, since: dt.datetime) -> dict[str, int]:
    """Work units that finished (done or failed) since ``since``, by job: the recent rate of each job."""
    units = dh_work_units
    return dict(connection.execute(
        select(units.c.job, func.count()).where(units.c.finished_at >= since, units.c.status.in_(("done", "failed")))
        .group_by(units.c.job)
    ).all())


def search_people(connection: Connection, kind: str, text: str, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
    """Sires, jockeys or trainers whose name contains ``text`` (any case), busiest first, with key figures."""
    table, figures = PEOPLE[kind]
    query = select(table.c.id, table.c.name, *(table.c[name] for name in figures))
    if text:
        query = query.where(func.lower(table.c.name).contains(text.lower(), autoescape=True))
    ranked = func.coalesce(table.c[figures[0]], -1)
    return [dict(row) for row in connection.execute(query.order_by(ranked.desc(), table.c.name).limit(limit)).mappings()]
