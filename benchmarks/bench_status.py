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
import os
import statistics
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bench_populate import PG_ADMIN, TODAY, generate, load_postgres
from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade
from darkhorses.simulator import World

TARGET_SECONDS = 2.0


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
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    engine = scale_engine(args.size)
    if args.build_only:
        return
    engine.dispose()


if __name__ == "__main__":
    main()
