"""Benchmark: ``darkhorses export`` of 1,000,000 runner rows to Parquet and CSV, time and peak memory.

The database is built as ``bench_populate.py`` builds it (the simulator's world walked back from a
fixed day and written straight into the tables), then each export runs as the real command in a
child process, so the peak resident memory measured (``ru_maxrss`` of that child) is the export's
alone, not the generator's. It also times ``darkhorses card`` for the first day of declarations
(its figures are computed over every earlier run). Two shapes: the ``ra_mst_runners`` table (every column) and the
``results`` preset (a ten-table join, sorted by race). Prints rows, seconds, rows/s, peak MB and
file size per export; the target is a peak under 300 MB whatever the size (a streaming export's
memory does not grow with the rows, which ``--sizes 100000 1000000`` shows).

    .venv/bin/python benchmarks/bench_export.py                            # 1M runners, SQLite
    .venv/bin/python benchmarks/bench_export.py --engines sqlite postgres --sizes 100000 1000000
    .venv/bin/python benchmarks/bench_export.py --card-only                # only the card
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_populate import TODAY, _drop_postgres, _postgres_engine, generate, load_postgres, load_sqlite  # noqa: E402

from darkhorses.db.engine import make_engine  # noqa: E402
from darkhorses.db.migrate import upgrade  # noqa: E402
from darkhorses.simulator import World  # noqa: E402

DARKHORSES = str(Path(sys.executable).with_name("darkhorses"))
TARGET_MB = 300
POLL_SECONDS = 0.05
SHAPES = {"table ra_mst_runners": ["ra_mst_runners"], "preset results": ["--preset", "results"]}


def _high_water_mb(pid: int) -> float | None:
    """The process's peak resident memory so far (``VmHWM``), which, unlike ``ru_maxrss``, starts
    afresh at ``exec`` and so leaves out the generator's memory the child was forked with."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 1024 if line else None


def run_command(database_url: str, args: list[str]) -> tuple[float, float]:
    """Run ``darkhorses ARGS`` as a child process; return (seconds, peak resident MB of the child)."""
    env = {**os.environ, "DATABASE_URL": database_url}
    started = time.perf_counter()
    child = subprocess.Popen([DARKHORSES, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while child.poll() is None:
        peak = max(peak, _high_water_mb(child.pid) or 0.0)
        time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{args[0]} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--engines", nargs="+", choices=("sqlite", "postgres"), default=["sqlite"])
    parser.add_argument("--formats", nargs="+", choices=("parquet", "csv", "jsonl"), default=["parquet", "csv"])
    parser.add_argument("--card-only", action="store_true", help="Time only `darkhorses card`, no exports.")
    args = parser.parse_args()
    started = time.perf_counter()
    datasets = generate(World(1, TODAY), args.sizes)
    print(f"generated {', '.join(f'{len(d.runners):,}' for d in datasets.values())} runners "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    peaks: list[float] = []
    with tempfile.TemporaryDirectory(prefix="dh-bench-export-") as tmp:
        for engine_name in args.engines:
            for size, data in sorted(datasets.items()):
                schema = f"bench_export_{size}"
                if engine_name == "postgres":
                    engine = _postgres_engine(schema)
                    upgrade(engine)
                    load_postgres(engine, data)
                    url = engine.url.render_as_string(hide_password=False)
                else:
                    path = Path(tmp) / f"{schema}.db"
                    engine = make_engine(f"sqlite:///{path}")
                    upgrade(engine)
                    load_sqlite(path, data)
                    url = f"sqlite:///{path}"
                engine.dispose()
                print(f"{engine_name}, {len(data.runners):,} runner rows loaded", flush=True)
                for shape, shape_args in ({} if args.card_only else SHAPES).items():
                    for fmt in args.formats:
                        out = Path(tmp) / f"out.{fmt}"
                        seconds, peak = run_command(url, ["export", *shape_args, "--format", fmt,
                                                          "--output", str(out)])
                        peaks.append(peak)
                        print(f"  {shape:22} {fmt:8} {len(data.runners):>10,} rows {seconds:7.1f} s "
                              f"{len(data.runners) / seconds:>9,.0f} rows/s  peak {peak:6.0f} MB  "
                              f"file {out.stat().st_size / 2**20:7.1f} MB", flush=True)
                        out.unlink()
                card_day = TODAY + dt.timedelta(days=1)
                seconds, peak = run_command(url, ["card", "--date", card_day.isoformat(), "--json"])
                print(f"  card --json for {card_day} (declarations, figures over every earlier run) "
                      f"{seconds:7.1f} s  peak {peak:6.0f} MB", flush=True)
                if engine_name == "postgres":
                    _drop_postgres(schema)
    if not peaks:
        return
    verdict = "met" if max(peaks) < TARGET_MB else "NOT met"
    print(f"target: peak memory under {TARGET_MB} MB for every export: highest {max(peaks):.0f} MB, {verdict} "
          f"({dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
