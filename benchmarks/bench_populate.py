"""Benchmark: a full ``populate``, then the next day's incremental one, on SQLite and PostgreSQL.

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
import os
import sqlite3
import subprocess
import sys
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


LOADED_AT = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(20), tzinfo=dt.timezone.utc)
"""When the loaded history was "fetched": the evening before, well before the next day's fetch
(rows stamped minutes before a populate fall within its watermark overlap and are recomputed)."""


def _ordered(data: Dataset) -> Iterator[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
    for table in ("ra_mst_courses", "ra_mst_jockeys", "ra_mst_trainers", "ra_mst_owners", "ra_mst_sires",
                  "ra_mst_dams", "ra_mst_damsires", "ra_mst_horses"):
        yield table, (*MASTER_COLUMNS[table], "updated_at"), [
            (*row, LOADED_AT) for row in data.masters.get(table, {}).values()]
    yield "ra_mst_races", (*RACE_COLUMNS, "updated_at"), [(*row, LOADED_AT) for row in data.races]
    yield "ra_mst_runners", (*RUNNER_COLUMNS, "updated_at"), [(*row, LOADED_AT) for row in data.runners]


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


RESULT_COLUMNS = ("is_non_runner", "position", "position_raw", "starting_price_decimal", "prize_won",
                  "prize_currency", "finishing_time_seconds")
"""The runner columns a day's results fill in (blank on the racecard)."""
CARD_DAY = TODAY + dt.timedelta(days=DECLARED_AHEAD)


@dataclass
class NextDay:
    """What the next day's fetch brings: ``TODAY``'s results and the racecards of ``CARD_DAY``."""

    result_races: list[str]
    results: list[tuple[Any, ...]]  # (race_id, horse_id, *RESULT_COLUMNS)
    card_races: list[tuple[Any, ...]]
    card_runners: list[tuple[Any, ...]]


def hold_back(data: Dataset) -> tuple[Dataset, NextDay]:
    """The database as it stood the evening before ``TODAY``'s results, and what came next:
    ``TODAY``'s races as declarations (no result yet) and no cards for ``CARD_DAY``."""
    date_at, result_at = RACE_COLUMNS.index("date"), RACE_COLUMNS.index("has_result")
    resulted = {race[0] for race in data.races if race[date_at] == TODAY and race[result_at]}
    cards = {race[0] for race in data.races if race[date_at] == CARD_DAY}
    first = RUNNER_COLUMNS.index(RESULT_COLUMNS[0])
    blank = (False,) + (None,) * (len(RESULT_COLUMNS) - 1)
    base = Dataset(data.masters,
                   [race[:result_at] + (False,) + race[result_at + 1:] if race[0] in resulted else race
                    for race in data.races if race[0] not in cards],
                   [row[:first] + blank + row[first + len(RESULT_COLUMNS):] if row[0] in resulted else row
                    for row in data.runners if row[0] not in cards])
    next_day = NextDay(sorted(resulted),
                       [(row[0], row[1], *row[first:first + len(RESULT_COLUMNS)])
                        for row in data.runners if row[0] in resulted],
                       [race for race in data.races if race[0] in cards],
                       [row for row in data.runners if row[0] in cards])
    return base, next_day


def apply_postgres(engine: Engine, day: NextDay) -> None:
    """The next day's fetch, as the writer leaves it: results update the declared rows (stamping
    ``updated_at``), new cards are inserted."""
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE next_results AS SELECT race_id, horse_id, "
                           f"{', '.join(RESULT_COLUMNS)} FROM ra_mst_runners WHERE FALSE")
            with cursor.copy("COPY next_results FROM STDIN") as copy:
                for row in day.results:
                    copy.write_row(row)
            sets = ", ".join(f"{c} = n.{c}" for c in RESULT_COLUMNS)
            cursor.execute(f"UPDATE ra_mst_runners r SET {sets}, updated_at = now() FROM next_results n "
                           "WHERE r.race_id = n.race_id AND r.horse_id = n.horse_id")
            cursor.execute("UPDATE ra_mst_races SET has_result = TRUE, updated_at = now() WHERE id = ANY(%s)",
                           (day.result_races,))
            for table, columns, rows in (("ra_mst_races", RACE_COLUMNS, day.card_races),
                                         ("ra_mst_runners", RUNNER_COLUMNS, day.card_runners)):
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        connection.commit()
    finally:
        raw.close()


def apply_sqlite(path: Path, day: NextDay) -> None:
    connection = sqlite3.connect(path)
    try:
        sets = ", ".join(f"{c} = ?" for c in RESULT_COLUMNS)
        connection.executemany(
            f"UPDATE ra_mst_runners SET {sets}, updated_at = CURRENT_TIMESTAMP WHERE race_id = ? AND horse_id = ?",
            ([_sqlite_value(v) for v in (*row[2:], row[0], row[1])] for row in day.results))
        connection.executemany("UPDATE ra_mst_races SET has_result = 1, updated_at = CURRENT_TIMESTAMP WHERE id = ?",
                               ([race] for race in day.result_races))
        for table, columns, rows in (("ra_mst_races", RACE_COLUMNS, day.card_races),
                                     ("ra_mst_runners", RUNNER_COLUMNS, day.card_runners)):
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                   ([_sqlite_value(v) for v in row] for row in rows))
        connection.commit()
    finally:
        connection.close()


ORIGINAL = "id NOT LIKE '%#_c%' ESCAPE '#'"
"""The loaded rows, not the copies (whose ids end ``_c<n>``)."""


def replicate(engine: Engine, copies: int, span_days: int) -> None:
    """Grow the database ``copies`` times in SQL: each copy is the loaded history shifted back by
    whole years beyond its span, with the horses' ids suffixed (new horses by the same sires,
    dams, jockeys, trainers and owners, who now have careers ``copies`` times as long). Building
    10M runners from the simulator's world would take hours; this takes minutes."""
    shift_years = span_days // 365 + 1
    postgres = engine.dialect.name == "postgresql"
    horse_columns = (*MASTER_COLUMNS["ra_mst_horses"], "updated_at")
    with engine.begin() as connection:
        def run(sql: str) -> None:  # psycopg reads % as a placeholder even without parameters
            connection.exec_driver_sql(sql.replace("%", "%%") if postgres else sql)

        for n in range(1, copies):
            days = 364 * shift_years * n  # whole weeks: the weekday of every race is kept
            shifted = (lambda c: f"{c} - {days}") if postgres else (lambda c: f"date({c}, '-{days} days')")
            shifted_ts = ((lambda c: f"{c} - INTERVAL '{days} days'") if postgres
                          else (lambda c: f"strftime('%Y-%m-%d %H:%M:%f', {c}, '-{days} days')"))
            suffix = f"'_c{n}'"
            horse_values = [f"id || {suffix}" if c == "id" else f"name || {suffix}" if c == "name" else
                            shifted("dob") if c == "dob" else c for c in horse_columns]
            run(
                f"INSERT INTO ra_mst_horses ({', '.join(horse_columns)}) SELECT {', '.join(horse_values)} "
                f"FROM ra_mst_horses WHERE {ORIGINAL}")
            race_values = [f"id || {suffix}" if c == "id" else shifted("date") if c == "date" else
                           shifted_ts("off_dt") if c == "off_dt" else c for c in (*RACE_COLUMNS, "updated_at")]
            run(
                f"INSERT INTO ra_mst_races ({', '.join(RACE_COLUMNS)}, updated_at) SELECT {', '.join(race_values)} "
                f"FROM ra_mst_races WHERE {ORIGINAL} AND date <= '{TODAY}'")
            runner_values = [f"{c} || {suffix}" if c in ("race_id", "horse_id") else c
                             for c in (*RUNNER_COLUMNS, "updated_at")]
            run(
                f"INSERT INTO ra_mst_runners ({', '.join(RUNNER_COLUMNS)}, updated_at) SELECT {', '.join(runner_values)} "
                f"FROM ra_mst_runners WHERE {ORIGINAL.replace('id', 'race_id')} AND race_id IN "
                f"(SELECT id FROM ra_mst_races WHERE date <= '{TODAY}')")
        connection.exec_driver_sql("ANALYZE")


RSS_WRAPPER = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")


def _populate_process(url: str, label: str, as_of: dt.date, *flags: str) -> float:
    """``darkhorses populate`` in a process of its own, timed, with its peak RSS."""
    command = [str(Path(sys.executable).parent / "darkhorses"), "populate", "--as-of", as_of.isoformat(), *flags]
    started = time.perf_counter()
    # A small interpreter starts populate and reports its peak RSS: a child forked from this
    # process (holding the whole dataset) would count this process's pages as its own.
    process = subprocess.run([sys.executable, "-c", RSS_WRAPPER, *command], capture_output=True, text=True,
                             env={**os.environ, "DATABASE_URL": url, "COLUMNS": "120"})
    total = time.perf_counter() - started
    print(process.stdout, end="")
    if process.returncode != 0:
        raise SystemExit(f"{label}: populate failed ({process.returncode}): {process.stderr[-500:]}")
    peak_kb = int(process.stderr.strip().splitlines()[-1])
    print(f"  {label} TOTAL: {total:.1f} s, peak RSS {peak_kb / 1024:.0f} MB, "
          f"load {open('/proc/loadavg').read().split()[0]}", flush=True)
    return total


def bench(engine_name: str, size: int, data: Dataset, workdir: Path, rerun: bool, copies: int) -> float:
    schema = f"bench_populate_{size}"
    base, next_day = hold_back(data)
    if engine_name == "postgres":
        engine = _postgres_engine(schema)
        upgrade(engine)
        url = engine.url.render_as_string(hide_password=False)
        load = lambda: load_postgres(engine, base)  # noqa: E731
        fetch = lambda: apply_postgres(engine, next_day)  # noqa: E731
    else:
        path = workdir / f"{schema}.db"
        path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        url = f"sqlite:///{path}"
        load = lambda: load_sqlite(path, base)  # noqa: E731
        fetch = lambda: apply_sqlite(path, next_day)  # noqa: E731
    started = time.perf_counter()
    load()
    if copies > 1:
        span = (TODAY - min(race[RACE_COLUMNS.index("date")] for race in base.races)).days
        replicate(engine, copies, span)
    with engine.connect() as connection:
        runners = connection.exec_driver_sql("SELECT COUNT(*) FROM ra_mst_runners").scalar_one()
    label = f"{engine_name} {runners:,}"
    print(f"{label} runners: loaded in {time.perf_counter() - started:.1f} s", flush=True)
    total = _populate_process(url, f"first populate {label}", TODAY - dt.timedelta(days=1))
    if rerun:
        fetch()
        print(f"  next day: {len(next_day.results):,} results in {len(next_day.result_races)} races, "
              f"{len(next_day.card_runners):,} declarations in {len(next_day.card_races)} races", flush=True)
        _populate_process(url, f"next-day incremental {label}", TODAY)
        _populate_process(url, f"next-day --full {label}", TODAY, "--full")
    engine.dispose()
    if engine_name == "postgres":
        _drop_postgres(schema)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", choices=("sqlite", "postgres"), default=["postgres", "sqlite"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rerun", action="store_true",
                        help="Then apply the next day's results and racecards and time an incremental populate "
                             "and a --full one, as of the next day.")
    parser.add_argument("--copies", type=int, default=1,
                        help="Replicate the loaded history this many times in SQL (see replicate()).")
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
                timings[engine_name, size] = bench(engine_name, size, datasets[size], Path(tmp), args.rerun,
                                                   args.copies)
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
