"""Benchmark: ``status``, ``health`` and ``inventory`` against a PostgreSQL database of 3M+ runners.

The database is built once by ``bench_populate``'s builder (the simulator's world walked back from
a fixed day, loaded with COPY) into the schema ``bench_scale_<size>`` and kept there: a later run
finds it (its runner table holds the wanted rows) and reuses it. ``--drop`` removes it at the end.
Each command is timed ``--repeat`` times and the median printed, with the load average; the target
is each under 2 s.

    .venv/bin/python benchmarks/bench_status.py                       # build if missing, then time
    .venv/bin/python benchmarks/bench_status.py --build-only          # just make sure it exists
    .venv/bin/python benchmarks/bench_status.py --size 3000000 --repeat 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bench_populate import PG_ADMIN, TODAY, generate, load_postgres
from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade
from darkhorses.ops.health import check_health
from darkhorses.ops.inventory import build_inventory
from darkhorses.ops.status import build_status, open_for_reading
from darkhorses.simulator import World

TARGET_SECONDS = 2.0
NOW = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.timezone.utc)


def schema_url(schema: str) -> str:
    return make_url(PG_ADMIN).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


def scale_engine(size: int, seed: int = 1) -> Engine:
    """The kept schema of at least ``size`` runners, built on first use (about 15 minutes for 3M)."""
    schema = f"bench_scale_{size}"
    admin = make_engine(PG_ADMIN)
    with admin.begin() as connection:
        exists = connection.scalar(text("SELECT to_regclass(:t)"), {"t": f'"{schema}".ra_mst_runners'})
        rows = connection.scalar(text(f'SELECT count(*) FROM "{schema}".ra_mst_runners')) if exists else 0
        if rows < size:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = make_engine(schema_url(schema))
    if rows < size:
        started = time.perf_counter()
        upgrade(engine)
        data = generate(World(seed, TODAY), [size])[size]
        print(f"generated {len(data.runners):,} runners in {time.perf_counter() - started:.0f} s", flush=True)
        load_postgres(engine, data)
        print(f"built {schema} in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        print(f"reusing {schema}: {rows:,} runners", flush=True)
    record_loaded_tables(engine)
    return engine


def record_loaded_tables(engine: Engine) -> None:
    """``ra_metadata_tracking`` as the fetches that build a real archive leave it: each loaded
    table's exact count and a last write (the load stands in for them)."""
    loaded = ("ra_mst_courses", "ra_mst_jockeys", "ra_mst_trainers", "ra_mst_owners", "ra_mst_sires", "ra_mst_dams",
              "ra_mst_damsires", "ra_mst_horses", "ra_mst_races", "ra_mst_runners")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM ra_metadata_tracking"))
        for table in loaded:
            connection.execute(text("INSERT INTO ra_metadata_tracking (table_name, last_updated, record_count) "
                                    f"SELECT :t, now(), count(*) FROM {table}"), {"t": table})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    engine = scale_engine(args.size)
    if args.build_only:
        return
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    commands: dict[str, Callable[[], object]] = {
        "status": lambda: build_status(open_for_reading(url), now=NOW),
        "health": lambda: check_health(open_for_reading(url), NOW),
        "inventory": lambda: build_inventory(open_for_reading(url)),
    }
    for name, command in commands.items():
        seconds = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            command()
            seconds.append(time.perf_counter() - started)
        median = statistics.median(seconds)
        print(f"{name:<9} median {median:.2f} s of {args.repeat} ({', '.join(f'{s:.2f}' for s in seconds)}); "
              f"target < {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'NOT met'}; "
              f"load {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
