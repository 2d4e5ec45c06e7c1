"""The same data gives the same statistics, row by row and value by value, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from darkhorses.db import schema
from darkhorses.db.migrate import upgrade
from darkhorses.stats.populate import JOBS, populate

from .conftest import BATCH_TS, Racing

AS_OF = dt.date(2025, 3, 31)
GOINGS = ("Firm", "Good To Firm", "Good", "Good To Soft", "Soft", "Heavy", "Yielding", "Standard")
CODES = ("PU", "F", "UR", "DSQ", "BD")


def build_random_world(racing: Racing, seed: int = 7) -> None:
    """A deterministic mix of everything the rules care about: dead heats, non-finishers, DSQ,
    non-runners, missing SPs, euro prizes, jumps and AW, shared ancestors, future declarations."""
    rng = random.Random(seed)
    sires = [f"sir_{i}" for i in range(4)]
    dams = [f"dam_{i}" for i in range(10)]
    horses = [racing.horse(f"h{i}", sire=rng.choice(sires), dam=rng.choice(dams), damsire=f"dsi_{i % 3}")
              for i in range(40)]
    racing.link_ancestor(schema.ra_mst_sires, "sir_0", "h39")
    jockeys, trainers, owners = [f"j{i}" for i in range(8)], [f"t{i}" for i in range(5)], [f"o{i}" for i in range(6)]
    for n in range(70):
        day = dt.date(2024, 6, 1) + dt.timedelta(days=rng.randrange(0, 320))
        race_type = rng.choice(("Flat", "Flat", "Hurdle", "Chase", "NH Flat"))
        race = racing.race(f"r{n:03d}", day, course=f"C{rng.randrange(4)}",
                           race_class=rng.choice((None, "Class 1", "Class 3", "Class 4", "Class 6")),
                           furlongs=rng.choice((5, 6, 7.5, 8, 10, 12, 16, 20.5)), handicap=rng.random() < 0.5,
                           result=day <= dt.date(2025, 3, 20), race_type=race_type,
                           surface="AW" if rng.random() < 0.2 else "Turf", going=rng.choice(GOINGS),
                           hour=rng.randrange(12, 20))
        field = rng.sample(horses, rng.randrange(3, 17))
        finishing = [str(p) for p in range(1, len(field) + 1)]
        if rng.random() < 0.15:
            finishing[1] = "1"  # a dead heat for first
        for k, horse in enumerate(field):
            position = finishing[k] if rng.random() > 0.15 else rng.choice(CODES)
            non_runner = rng.random() < 0.05
            racing.run(race, horse, None if non_runner else position, jockey=rng.choice(jockeys),
                       trainer=rng.choice(trainers), owner=rng.choice(owners),
                       sp=None if rng.random() < 0.05 else round(rng.uniform(1.2, 51), 2), non_runner=non_runner,
                       prize=round(rng.uniform(0, 9000), 2) if position in ("1", "2", "3") else None,
                       currency=rng.choice(("GBP", "EUR")), seconds=round(rng.uniform(58, 400), 2))
    racing.save()


def _sort_key(row: tuple) -> str:
    """Order rows the same way whatever zone object each driver attaches to a UTC timestamp."""
    return repr(tuple(v.astimezone(dt.timezone.utc).isoformat() if isinstance(v, dt.datetime) else v for v in row))


def _snapshot(engine: Engine) -> dict[str, list[tuple]]:
    skip = {"id", "created_at"}
    out: dict[str, list[tuple]] = {}
    with engine.connect() as connection:
        for job in JOBS.values():
            columns = [c for c in job.table.columns if c.name not in skip and not (job.master and c.name == "updated_at")]
            rows = connection.execute(select(*columns)).all()
            out[job.name] = sorted((tuple(row) for row in rows), key=_sort_key)
    return out


@pytest.mark.postgres
def test_sqlite_and_postgres_agree_row_by_row(sqlite_engine: Engine, postgres_engine: Engine) -> None:
    snapshots = []
    for engine in (sqlite_engine, postgres_engine):
        upgrade(engine)
        build_random_world(Racing(engine))
        populate(engine, as_of=AS_OF, now=BATCH_TS, min_runs=2)
        snapshots.append(_snapshot(engine))
    sqlite, postgres = snapshots
    assert all(sqlite[name] for name in sqlite), "every table has rows"
    for name in sqlite:
        assert len(sqlite[name]) == len(postgres[name]), name
        for a, b in zip(sqlite[name], postgres[name], strict=True):
            assert a == b, name
