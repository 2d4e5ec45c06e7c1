"""Hybrid horse enrichment: one Pro profile call per horse not yet enriched, ever.

A 404 means the API has no Pro profile; where the plan allows, the Standard profile (name and
pedigree ids) is asked for instead. Either way the horse is marked with where its profile came
from (``pro``, ``standard`` or ``none``), so no horse is asked about twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, case, cast, extract, func, or_, select, update
from sqlalchemy.engine import Connection

from darkhorses.config import Settings
from darkhorses.db.schema import ra_mst_horses, ra_mst_races, ra_mst_runners
from darkhorses.ingest.transform import Batch, horse_profile_rows
from darkhorses.racing_api.client import RacingApiClient
from darkhorses.racing_api.errors import NotFound
from darkhorses.racing_api.models import HorseStandard


def refresh_ages(connection: Connection, today: dt.date) -> int:
    """Set ``ra_mst_horses.age`` to each horse's racing age on ``today``: every horse ages on
    1 January, so a foal of any month of year Y is 1 from 1 January Y+1 (the foal year decides,
    not the birthday). One set-based statement touching only rows whose age changes: a run's
    new horses, and everyone on the first run of a year. Every fetch ends with it."""
    age = today.year - cast(extract("year", ra_mst_horses.c.dob), Integer)
    horses = ra_mst_horses.c
    changed = connection.execute(
        update(ra_mst_horses)
        .where(horses.dob.is_not(None), or_(horses.age.is_(None), horses.age != age))
        .values(age=age, updated_at=func.now())
    )
    return changed.rowcount


def unenriched(connection: Connection, limit: int | None = None, upcoming_from: dt.date | None = None) -> list[str]:
    """Ids of horses that have never been enriched, at most ``limit``: those declared in races on
    or after ``upcoming_from`` first (so the day's cards are complete soonest), then in id order."""
    pending = ra_mst_horses.c.profile_source.is_(None)
    order: list[Any] = [ra_mst_horses.c.id]
    if upcoming_from is not None:
        declared = (select(ra_mst_runners.c.horse_id).join(ra_mst_races, ra_mst_races.c.id == ra_mst_runners.c.race_id)
                    .where(ra_mst_races.c.date >= upcoming_from))
        order.insert(0, case((ra_mst_horses.c.id.in_(declared), 0), else_=1))
    query = select(ra_mst_horses.c.id).where(pending).order_by(*order)
    return list(connection.scalars(query.limit(limit) if limit is not None else query))


def pending_count(connection: Connection) -> int:
    """Horses never enriched."""
    return connection.scalar(select(func.count()).where(ra_mst_horses.c.profile_source.is_(None))) or 0


async def fetch_horse(api: RacingApiClient, horse_id: str, settings: Settings) -> Batch:
    profile: HorseStandard | None = None
    source = "none"
    try:
        profile, source = await api.horse_pro(horse_id), "pro"
    except NotFound:
        if settings.plan_includes("standard"):
            try:
                profile, source = await api.horse_standard(horse_id), "standard"
            except NotFound:
                pass
    return horse_profile_rows(horse_id, profile, source, dt.datetime.now(dt.timezone.utc))
