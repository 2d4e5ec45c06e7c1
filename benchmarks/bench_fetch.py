"""fetch benchmarks: (a) rate-limit utilisation of a 60-day backfill, (b) processing rate.

(a) ``rate``: ``darkhorses simulate`` in its own process on a loopback port, with 300 ms latency
and its rate limits on; a
manual backfill of racecards and results for 60 days with the client's default limits
(racecards 2/s, everything else 5/s, global 8/s). Under those limits no schedule can finish in
less than ``max(racecards / 2, results / 5, all / 8)`` seconds; the figure printed is that lower
bound over the measured duration: the share of the allowed request rate achieved (target >= 0.95).

(b) ``processing``: the pipeline's own speed with the API out of the way. A first run records
every response in the raw archive; the timed runs replay the archive through an in-memory
transport (no simulator, no limits) into a fresh database, and print runners stored per second
on SQLite and on PostgreSQL (runners counted in the database: each is written by its racecard
and by its result), and the replayed database's digest (``darkhorses db digest`` folded into one
hash): equal before and after a change, and on both engines, when the change kept the data.

(c) ``scale``: the same replayed processing for one daily run (limits off, no enrichment, so
both runs make the same requests), on an empty PostgreSQL schema and on the kept schema of 3M+
runners that ``bench_status.py`` builds, interleaved; prints the medians and their ratio (target
<= 1.2). The big database's history ends months before the daily run's dates, as an archive's
does before today; after each run the rows it added to that schema are deleted again.

(d) ``memory``: a backfill of racecards and results (limits off, no enrichment) against
``darkhorses simulate`` in its own process, so the fetch process holds the pipeline alone. The
peak RSS (``VmHWM``) of the fetch process and its page worker is printed as the backfill passes
30, 60, ... dates. The figure is peak(365 dates) / peak(30 dates) (target <= 1.2).

    .venv/bin/python benchmarks/bench_fetch.py rate [--days 60] [--latency-ms 300]
    .venv/bin/python benchmarks/bench_fetch.py processing [--days 14] [--postgres URL]
    .venv/bin/python benchmarks/bench_fetch.py scale [--size 3000000] [--repeat 3]
    .venv/bin/python benchmarks/bench_fetch.py memory [--days 365]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from darkhorses.config import Settings, load_settings
from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade
from darkhorses.db.schema import ra_mst_runners
from darkhorses.ops.digest import database_digest
from darkhorses.ingest.controller import FetchOptions, run_fetch
from darkhorses.racing_api.archive import read_archive
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.simulator import SimulatorConfig, create_app

from bench_simulator import cpu_seconds  # a process's CPU from /proc, as the simulator benchmark reads it
from bench_status import record_loaded_tables, scale_engine, schema_url  # the big database's builder

TODAY = dt.date(2025, 10, 20)
NOW = dt.datetime(2025, 10, 20, 23, 30, tzinfo=dt.timezone.utc)
UNLIMITED = RateLimits.unlimited()


def _settings(base_url: str, database_url: str, workdir: Path, **extra: object) -> Settings:
    return load_settings(racing_api_username="bench", racing_api_password="bench-secret", racing_api_base_url=base_url,
                         database_url=database_url, log_dir=workdir / "logs", archive_dir=workdir / "archive", **extra)


def _options(days: int) -> FetchOptions:
    return FetchOptions(mode="manual", tables=("racecards", "results"), start_date=TODAY - dt.timedelta(days=days),
                        end_date=TODAY - dt.timedelta(days=1))


def _children_cpu() -> float:
    """CPU of this process's finished children: the fetch's page worker once its run is over."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def _simulator_process(latency_ms: float, rate_limits: bool = True) -> Iterator[tuple[str, int]]:
    """``darkhorses simulate`` in its own process, so the server never competes with the client
    for the interpreter lock (that would delay arrivals and bunch them into 429s)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("darkhorses")), "simulate", "--port", str(port), "--seed", "3", "--today",
         TODAY.isoformat(), "--username", "bench", "--password", "bench-secret", "--latency-ms", str(latency_ms),
         *(["--rate-limits"] if rate_limits else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base_url}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base_url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=10)


def rate(days: int, latency_ms: float) -> None:
    with tempfile.TemporaryDirectory() as tmp, _simulator_process(latency_ms) as (base_url, server):
        workdir = Path(tmp)
        settings = _settings(base_url, f"sqlite:///{workdir / 'rate.db'}", workdir, archive_enabled=False)
        server_cpu, worker_cpu = cpu_seconds(server) or 0.0, _children_cpu()
        started, cpu = time.perf_counter(), time.process_time()
        report, _ = asyncio.run(run_fetch(settings, _options(days), today=TODAY))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        server_cpu, worker_cpu = (cpu_seconds(server) or 0.0) - server_cpu, _children_cpu() - worker_cpu
    calls = report.api_calls
    racecards, results = calls["/v1/racecards/pro"], calls["/v1/results"]
    bound = max(racecards / settings.rate_limit_racecards, results / settings.rate_limit_default,
                (racecards + results) / settings.rate_limit_global)
    print(f"{days}-day backfill, {latency_ms:.0f} ms latency: {racecards} racecard + {results} results calls "
          f"in {elapsed:.1f} s (lower bound under the limits {bound:.1f} s); success={report.success}")
    print(f"CPU: fetch {cpu:.1f} s ({cpu / days:.2f} s a date) + page worker {worker_cpu:.1f} s "
          f"({worker_cpu / days:.2f} s a date), simulator {server_cpu:.1f} s; load average {os.getloadavg()[0]:.2f}")
    print(f"utilisation of the allowed rate: {bound / elapsed:.3f}")


def _replay_transport(archive_dir: Path) -> httpx.MockTransport:
    recorded = {
        (record.path, tuple(map(tuple, record.params))): (record.status, record.body)
        for record in read_archive(archive_dir)
    }

    def handle(request: httpx.Request) -> httpx.Response:
        status, body = recorded[(request.url.path, tuple(request.url.params.multi_items()))]
        return httpx.Response(status, text=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(handle)


def processing(days: int, postgres: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        app = create_app(SimulatorConfig(seed=3, today=TODAY, now=lambda: NOW, username="bench",
                                         password="bench-secret"))
        record = _settings("http://sim", f"sqlite:///{workdir / 'record.db'}", workdir)
        asyncio.run(run_fetch(record, _options(days), transport=httpx.ASGITransport(app=app),
                              limiter=RateLimiter(UNLIMITED), today=TODAY))
        replay = _replay_transport(workdir / "archive")
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        targets = {"sqlite": f"sqlite:///{workdir / 'replay.db'}", "postgresql": _postgres_schema(postgres, schema)}
        try:
            for name, url in targets.items():
                _replay(name, url, days, workdir, replay)
        finally:
            with make_engine(postgres).begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


SCALE_SEED = 1
"""The world ``bench_status.py`` builds its big database from, so the daily run meets its horses and people."""


def _record_daily(workdir: Path, options: FetchOptions) -> httpx.MockTransport:
    """One daily run against the in-process simulator, archived, then served back by replay."""
    app = create_app(SimulatorConfig(seed=SCALE_SEED, today=TODAY, now=lambda: NOW, username="bench",
                                     password="bench-secret"))
    record = _settings("http://sim", f"sqlite:///{workdir / 'record.db'}", workdir)
    asyncio.run(run_fetch(record, options, transport=httpx.ASGITransport(app=app), limiter=RateLimiter(UNLIMITED),
                          today=TODAY))
    return _replay_transport(workdir / "archive")


def _timed_daily(url: str, workdir: Path, options: FetchOptions, replay: httpx.MockTransport) -> tuple[float, int]:
    engine = make_engine(url)
    settings = _settings("http://sim", url, workdir, archive_enabled=False)
    started = time.perf_counter()
    report, _ = asyncio.run(run_fetch(settings, options, engine=engine, transport=replay,
                                      limiter=RateLimiter(UNLIMITED), today=TODAY))
    elapsed = time.perf_counter() - started
    engine.dispose()
    if not report.success:
        raise SystemExit(f"the replayed daily run failed: {report.error or report.failed[:3]}")
    return elapsed, sum(report.written.values())


def _forget_daily(url: str, first_day: dt.date) -> None:
    """Delete what a daily run added to the big schema: its races (dated from ``first_day``, after
    the schema's history) with their runners, results and prices, and the run's bookkeeping."""
    engine = make_engine(url)
    races = "(SELECT id FROM ra_mst_races WHERE date >= :day)"
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM ra_runner_supplementary WHERE runner_id IN "
                                f"(SELECT id FROM ra_mst_runners WHERE race_id IN {races})"), {"day": first_day})
        for table in ("ra_runner_odds", "ra_mst_race_results", "ra_mst_runners"):
            connection.execute(text(f"DELETE FROM {table} WHERE race_id IN {races}"), {"day": first_day})
        connection.execute(text("DELETE FROM ra_mst_races WHERE date >= :day"), {"day": first_day})
        for table in ("dh_quarantine", "dh_work_units", "dh_runs", "dh_locks", "ra_collection_metadata"):
            connection.execute(text(f"DELETE FROM {table}"))
    record_loaded_tables(engine)
    engine.dispose()


def scale(size: int, repeat: int, postgres: str) -> None:
    scale_engine(size, SCALE_SEED).dispose()
    big = schema_url(f"bench_scale_{size}")
    options = FetchOptions(mode="daily", enrich=False)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        replay = _record_daily(workdir, options)
        first_day = TODAY - dt.timedelta(days=7)
        with make_engine(big).connect() as connection:
            newest = connection.scalar(text("SELECT max(date) FROM ra_mst_races"))
        if newest >= first_day:
            raise SystemExit(f"the big schema holds races up to {newest}, after the daily run's first date {first_day}")
        timings: dict[str, list[float]] = {"empty": [], "big": []}
        for attempt in range(repeat):
            empty = _postgres_schema(postgres, f"bench_{uuid.uuid4().hex[:8]}")
            upgrade(make_engine(empty))
            seconds, written = _timed_daily(empty, workdir, options, replay)
            timings["empty"].append(seconds)
            print(f"run {attempt + 1}: empty schema {seconds:.2f} s ({written:,} rows written); "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)
            _drop_schema(postgres, empty)
            seconds, written = _timed_daily(big, workdir, options, replay)
            timings["big"].append(seconds)
            print(f"run {attempt + 1}: {size:,}-runner schema {seconds:.2f} s ({written:,} rows written); "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)
            _forget_daily(big, first_day)
    empty_median, big_median = statistics.median(timings["empty"]), statistics.median(timings["big"])
    print(f"daily run, replayed, limits off: empty {empty_median:.2f} s, {size:,} runners {big_median:.2f} s "
          f"(medians of {repeat}); ratio {big_median / empty_median:.2f} (target <= 1.2)")


def _peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory so far (``VmHWM``), in MB; 0 once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:"))


def _children(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def memory(days: int, marks: list[int]) -> None:
    """One backfill, oldest date first; every few seconds the dates done so far and the peak RSS
    of this process and of its page worker, printed as each mark (a number of dates) is passed."""
    with tempfile.TemporaryDirectory() as tmp, _simulator_process(0, rate_limits=False) as (base_url, server):
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'memory.db'}"
        settings = _settings(base_url, url, workdir, archive_enabled=False)
        options = FetchOptions(mode="manual", tables=("racecards", "results"), start_date=TODAY - dt.timedelta(days=days),
                               end_date=TODAY - dt.timedelta(days=1), enrich=False)
        engine = make_engine(url)
        upgrade(engine)
        done = threading.Event()
        peaks: dict[int, tuple[float, float]] = {}

        def watch() -> None:
            worker_peak, pending = 0.0, sorted(marks)
            while not done.wait(2):
                workers = [pid for pid in _children(os.getpid()) if pid != server]  # not the simulator
                worker_peak = max([worker_peak, *map(_peak_rss_mb, workers)])
                with engine.connect() as connection:
                    dates = connection.scalar(text("SELECT count(*) FROM dh_work_units WHERE job = 'results' "
                                                   "AND status = 'done'"))
                while pending and dates >= pending[0]:
                    peaks[pending.pop(0)] = (_peak_rss_mb(os.getpid()), worker_peak)
                    print(f"{dates:>4} dates done: peak RSS {peaks[max(peaks)][0]:.1f} MB, page worker "
                          f"{worker_peak:.1f} MB; load {os.getloadavg()[0]:.2f}", flush=True)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        report, _ = asyncio.run(run_fetch(settings, options, engine=engine, limiter=RateLimiter(UNLIMITED), today=TODAY))
        done.set()
        watcher.join()
    if not report.success:
        raise SystemExit(f"the backfill failed: {report.error or report.failed[:3]}")
    peak = _peak_rss_mb(os.getpid())
    first = min(peaks)
    print(f"{days}-day backfill in {time.perf_counter() - started:.0f} s: peak RSS {peak:.1f} MB; "
          f"after {days} dates / after {first} dates: {peak / peaks[first][0]:.2f} (target <= 1.2)")


def _drop_schema(admin_url: str, url: str) -> None:
    schema = make_url(url).query["options"].removeprefix("-csearch_path=")
    with make_engine(admin_url).begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _replay(name: str, url: str, days: int, workdir: Path, replay: httpx.MockTransport) -> None:
    engine = make_engine(url)
    upgrade(engine)
    settings = _settings("http://sim", url, workdir, archive_enabled=False)
    started = time.perf_counter()
    report, _ = asyncio.run(run_fetch(settings, _options(days), engine=engine, transport=replay,
                                      limiter=RateLimiter(UNLIMITED), today=TODAY))
    elapsed = time.perf_counter() - started
    with engine.connect() as connection:
        runners = connection.scalar(select(func.count()).select_from(ra_mst_runners))
    digests = database_digest(engine)
    engine.dispose()
    digest = hashlib.sha256("".join(f"{table}:{d.rows}:{d.sha256};" for table, d in sorted(digests.items()))
                            .encode()).hexdigest()[:16]
    print(f"{name:10} {runners} runners ({sum(report.written.values())} rows written) in {elapsed:.1f} s: "
          f"{runners / elapsed:,.0f} runners/s; digest {digest}; load average {os.getloadavg()[0]:.2f}")


def _postgres_schema(admin_url: str, schema: str) -> str:
    """A fresh schema on the PostgreSQL server, dropped by the caller when done."""
    with make_engine(admin_url).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    return make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="which", required=True)
    rate_args = sub.add_parser("rate")
    rate_args.add_argument("--days", type=int, default=60)
    rate_args.add_argument("--latency-ms", type=float, default=300)
    processing_args = sub.add_parser("processing")
    processing_args.add_argument("--days", type=int, default=14)
    processing_args.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    scale_args = sub.add_parser("scale")
    scale_args.add_argument("--size", type=int, default=3_000_000)
    scale_args.add_argument("--repeat", type=int, default=3)
    scale_args.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    memory_args = sub.add_parser("memory")
    memory_args.add_argument("--days", type=int, default=365)
    memory_args.add_argument("--marks", type=int, nargs="+", default=[30, 60, 120, 180, 240, 300, 365])
    args = parser.parse_args()
    if args.which == "rate":
        rate(args.days, args.latency_ms)
    elif args.which == "scale":
        scale(args.size, args.repeat, args.postgres)
    elif args.which == "memory":
        memory(args.days, args.marks)
    else:
        processing(args.days, args.postgres)


if __name__ == "__main__":
    main()
