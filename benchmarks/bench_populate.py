"""Benchmark: a full ``populate`` at 100,000 and 1,000,000 runners, on SQLite and PostgreSQL.

The simulator's world (``darkhorses.simulator.World``) is walked backwards from a fixed day and
written straight into the tables (COPY on PostgreSQL, executemany on SQLite) until the wanted
number of runner rows exists: resulted races, non-runners, abandoned races and a few days of
future declarations, as the fetch pipeline would leave them. The smaller database is the most
recent slice of the larger one. Prints per-table timings, the total per engine and size, and the
figure to compare: time(1M) / time(100k) of the first populate, where 10 means linear scaling,
and the target: a first populate of 1M runners in under 60 s on PostgreSQL. ``--rerun`` also
times the next day's populate over the same data (the daily steady state). On PostgreSQL the
tables are computed in two lanes at once, so the per-table times overlap and add up to more than
the total.

    .venv/bin/python benchmarks/bench_populate.py                      # 100k and 1M, both engines
    .venv/bin/python benchmarks/bench_populate.py --sizes 100000 --engines sqlite
    .venv/bin/python benchmarks/bench_populate.py --sizes 1000000 --engines postgres --rerun
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade
from darkhorses.simulator import World
from darkhorses.stats.populate import populate

TODAY = dt.date(2025, 6, 1)
TARGET_SIZE, TARGET_SECONDS = 1_000_000, 60.0
"""The target: a first populate of 1M runners on PostgreSQL in under 60 s."""
DECLARED_AHEAD = 3
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

RACE_COLUMNS = ("id", "course_id", "course_name", "date", "off_dt", "race_name", "distance_f", "distance_y",
                "region", "type", "surface", "going", "race_class", "pattern", "field_size", "has_result",
                "is_abandoned")
RUNNER_COLUMNS = ("race_id", "horse_id", "jockey_id", "trainer_id", "owner_id", "sire_id", "dam_id", "damsire_id",
                  "draw", "ofr", "is_non_runner", "position", "position_raw", "starting_price_decimal", "prize_won",
                  "prize_currency", "finishing_time_seconds")


@dataclass
class Dataset:
    """Rows in foreign-key order, keyed by table; masters deduplicated by id."""

    masters: dict[str, dict[str, tuple[Any, ...]]] = field(default_factory=dict)
    races: list[tuple[Any, ...]] = field(default_factory=list)
    runners: list[tuple[Any, ...]] = field(default_factory=list)

    def master(self, table: str, key: str, row: tuple[Any, ...]) -> None:
        self.masters.setdefault(table, {}).setdefault(key, row)


MASTER_COLUMNS = {
    "ra_mst_courses": ("id", "name", "region_code"),
    "ra_mst_jockeys": ("id", "name"),
    "ra_mst_trainers": ("id", "name"),
    "ra_mst_owners": ("id", "name"),
    "ra_mst_sires": ("id", "name", "region", "horse_id"),
    "ra_mst_dams": ("id", "name", "region", "horse_id"),
    "ra_mst_damsires": ("id", "name", "region", "horse_id"),
    "ra_mst_horses": ("id", "name", "sire_id", "dam_id", "damsire_id", "dob", "sex_code", "region"),
}


def _days_back(world: World) -> Iterator[dt.date]:
    day = TODAY + dt.timedelta(days=DECLARED_AHEAD)
    while day >= world.first_date:
        yield day
        day -= dt.timedelta(days=1)


def generate(world: World, sizes: list[int]) -> dict[int, Dataset]:
    """One dataset per size: the most recent days of racing holding at least that many runners."""
    pop = world.population
    data = Dataset()
    snapshots: dict[int, Dataset] = {}
    wanted = sorted(sizes)
    for day in _days_back(world):
        for race in world.races(day):
            resulted = world.is_resulted(race)
            course = race.course
            data.master("ra_mst_courses", course.id, (course.id, course.name, course.region_code))
            off = race.off.astimezone(dt.timezone.utc)
            data.races.append((race.race_id, course.id, course.name, race.date, off, race.name, race.yards / 220,
                               race.yards, race.region, race.race_type, race.surface, race.going,
                               f"Class {race.race_class}" if race.race_class else None, race.pattern or None,
                               sum(1 for e in race.entries if e.non_runner is None), resulted, race.abandoned))
            for e in race.entries:
                horse = e.horse
                ids = []
                for parent, table, prefix in ((pop.horse(horse.sire) if horse.sire else None, "ra_mst_sires", "sir"),
                                              (pop.horse(horse.dam) if horse.dam else None, "ra_mst_dams", "dam")):
                    ids.append(f"{prefix}_{parent.num}" if parent else None)
                    if parent:
                        data.master(table, ids[-1], (ids[-1], parent.name, parent.breed_region, parent.id))
                dam = pop.horse(horse.dam) if horse.dam else None
                damsire = pop.horse(dam.sire) if dam is not None and dam.sire else None
                dsi = f"dsi_{damsire.num}" if damsire else None
                if damsire:
                    data.master("ra_mst_damsires", dsi, (dsi, damsire.name, damsire.breed_region, damsire.id))
                data.master("ra_mst_horses", horse.id, (horse.id, horse.name, ids[0], ids[1], dsi, horse.dob,
                                                        horse.sex_code, horse.breed_region))
                for table, person in (("ra_mst_jockeys", e.jockey), ("ra_mst_trainers", e.trainer),
                                      ("ra_mst_owners", e.owner)):
                    data.master(table, person.id, (person.id, person.name))
                ran = resulted and e.non_runner is None
                position = e.position if ran else None
                data.runners.append((
                    race.race_id, horse.id, e.jockey.id, e.trainer.id, e.owner.id, ids[0], ids[1], dsi,
                    e.draw or None, e.ofr, e.non_runner is not None,
                    int(position) if position and position.isdigit() else None, position,
                    round(float(e.price) + 1, 2) if ran else None,
                    round(e.prize, 2) if ran and e.prize else None,
                    ("EUR" if race.region == "IRE" else "GBP") if ran and e.prize else None,
                    round(e.time, 2) if ran and e.time else None,
                ))
        while wanted and len(data.runners) >= wanted[0]:
            size = wanted.pop(0)
            snapshots[size] = Dataset({t: dict(rows) for t, rows in data.masters.items()},
                                      list(data.races), list(data.runners))
        if not wanted:
            return snapshots
    raise SystemExit(f"the world has fewer than {wanted[0]} runners")


def _ordered(data: Dataset) -> Iterator[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
    for table in ("ra_mst_courses", "ra_mst_jockeys", "ra_mst_trainers", "ra_mst_owners", "ra_mst_sires",
                  "ra_mst_dams", "ra_mst_damsires", "ra_mst_horses"):
        yield table, MASTER_COLUMNS[table], list(data.masters.get(table, {}).values())
    yield "ra_mst_races", RACE_COLUMNS, data.races
    yield "ra_mst_runners", RUNNER_COLUMNS, data.runners


def load_postgres(engine: Engine, data: Dataset) -> None:
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.cursor() as cursor:
            for table, columns, rows in _ordered(data):
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            cursor.execute("ANALYZE")
        connection.commit()
    finally:
        raw.close()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load_sqlite(path: Path, data: Dataset) -> None:
    connection = sqlite3.connect(path)
    try:
        for table, columns, rows in _ordered(data):
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                   ([_sqlite_value(v) for v in row] for row in rows))
        connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()


def _postgres_engine(schema: str) -> Engine:
    admin = make_engine(PG_ADMIN)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(PG_ADMIN).update_query_dict({"options": f"-csearch_path={schema}"})
    return make_engine(url.render_as_string(hide_password=False))


def _drop_postgres(schema: str) -> None:
    admin = make_engine(PG_ADMIN)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _timed_populate(engine: Engine, label: str, as_of: dt.date) -> float:
    started = time.perf_counter()
    result = populate(engine, as_of=as_of, now=dt.datetime.combine(as_of, dt.time(6), tzinfo=dt.timezone.utc))
    total = time.perf_counter() - started
    print(f"  {label}: run relation {result.run_rows:,} runs")
    for table in result.tables:
        print(f"    {table.table:<28} {table.rows:>10,} rows {table.seconds:>7.2f} s")
    print(f"  {label} TOTAL: {total:.1f} s", flush=True)
    return total


def bench(engine_name: str, size: int, data: Dataset, workdir: Path, rerun: bool) -> float:
    schema = f"bench_populate_{size}"
    if engine_name == "postgres":
        engine = _postgres_engine(schema)
        upgrade(engine)
        load = lambda: load_postgres(engine, data)  # noqa: E731
    else:
        path = workdir / f"{schema}.db"
        path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        load = lambda: load_sqlite(path, data)  # noqa: E731
    started = time.perf_counter()
    load()
    print(f"{engine_name} {size:>9,} runners: loaded in {time.perf_counter() - started:.1f} s", flush=True)
    total = _timed_populate(engine, f"first populate {engine_name} {size:,}", TODAY)
    if rerun:  # the next day's run: windows move, every master row changes, most other rows do not
        _timed_populate(engine, f"next-day rerun {engine_name} {size:,}", TODAY + dt.timedelta(days=1))
    engine.dispose()
    if engine_name == "postgres":
        _drop_postgres(schema)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", choices=("sqlite", "postgres"), default=["postgres", "sqlite"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rerun", action="store_true", help="Also time a second populate, as of the next day.")
    args = parser.parse_args()
    started = time.perf_counter()
    datasets = generate(World(args.seed, TODAY), args.sizes)
    for size, data in datasets.items():
        print(f"generated {len(data.runners):,} runners in {len(data.races):,} races "
              f"({data.races[-1][3]} to {data.races[0][3]})")
    print(f"generation: {time.perf_counter() - started:.1f} s", flush=True)
    timings: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory(prefix="dh-bench-") as tmp:
        for engine_name in args.engines:
            for size in sorted(datasets):
                timings[engine_name, size] = bench(engine_name, size, datasets[size], Path(tmp), args.rerun)
    sizes = sorted(datasets)
    for engine_name in args.engines:
        figures = ", ".join(f"{size:,}: {timings[engine_name, size]:.1f} s" for size in sizes)
        ratio = f"; ratio {sizes[-1] // sizes[0]}x runners -> {timings[engine_name, sizes[-1]] / timings[engine_name, sizes[0]]:.1f}x time" if len(sizes) > 1 else ""
        print(f"{engine_name}: {figures}{ratio}")
    if ("postgres", TARGET_SIZE) in timings:
        seconds = timings["postgres", TARGET_SIZE]
        verdict = "met" if seconds < TARGET_SECONDS else "NOT met"
        print(f"target: first populate of {TARGET_SIZE:,} runners on PostgreSQL {seconds:.1f} s "
              f"against < {TARGET_SECONDS:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
