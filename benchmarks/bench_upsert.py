"""Bulk upsert speed on SQLite and PostgreSQL: rows per second for runner rows.

Inserts N runner rows (with their races, courses and horses), then upserts them again with a
partial row (the results columns only), and prints rows per second for each phase and engine.
``--repeat`` runs the engines in turn that many times (interleaved, so load hits each alike).

    .venv/bin/python benchmarks/bench_upsert.py [--rows 100000] [--postgres URL] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade
from darkhorses.db.schema import ra_mst_runners
from darkhorses.db.upsert import upsert, upsert_all

FIELD = 10


def _rows(count: int) -> tuple[dict[str, list[dict]], list[dict], list[dict]]:
    races = count // FIELD
    parents = {
        "ra_mst_courses": [{"id": "crs_1", "name": "Ascot"}],
        "ra_mst_races": [{"id": f"rac_{r}", "course_id": "crs_1", "date": dt.date(2025, 1, 1) + dt.timedelta(days=r // 50),
                          "race_name": f"Race {r}"} for r in range(races)],
        "ra_mst_horses": [{"id": f"hrs_{h}", "name": f"Horse {h}"} for h in range(count)],
    }
    racecard = [{"race_id": f"rac_{n // FIELD}", "horse_id": f"hrs_{n}", "number": str(n % FIELD + 1), "draw": n % FIELD,
                 "weight_lbs": 130, "form": "1-23", "comment": "A fair sort", "ofr": 80} for n in range(count)]
    results = [{"race_id": f"rac_{n // FIELD}", "horse_id": f"hrs_{n}", "position": n % FIELD + 1,
                "position_raw": str(n % FIELD + 1), "starting_price_decimal": 5.5, "finishing_time_seconds": 71.2}
               for n in range(count)]
    return parents, racecard, results


def _timed(engine: Engine, rows: list[dict]) -> float:
    started = time.perf_counter()
    with engine.begin() as connection:
        upsert(connection, ra_mst_runners, rows)
    return len(rows) / (time.perf_counter() - started)


def bench(name: str, engine: Engine, count: int) -> None:
    upgrade(engine)
    with open("/proc/loadavg", encoding="ascii") as load:
        name = f"{name} (load {load.read().split()[0]})"
    parents, racecard, results = _rows(count)
    with engine.begin() as connection:
        upsert_all(connection, parents)
    inserted = _timed(engine, racecard)
    updated = _timed(engine, results)
    print(f"{name:22} insert {inserted:>9,.0f} rows/s   partial update {updated:>9,.0f} rows/s   ({count:,} runner rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for _ in range(args.repeat):
        _round(args)


def _round(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}"), args.rows)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(args.postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(args.postgres).update_query_dict({"options": f"-csearch_path={schema}"})
        bench("postgresql", make_engine(url.render_as_string(hide_password=False)), args.rows)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
