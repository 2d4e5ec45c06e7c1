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

    .venv/bin/python benchmarks/bench_fetch.py rate [--days 60] [--latency-ms 300]
    .venv/bin/python benchmarks/bench_fetch.py processing [--days 14] [--postgres URL]
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
import subprocess
import sys
import tempfile
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
def _simulator_process(latency_ms: float) -> Iterator[tuple[str, int]]:
    """``darkhorses simulate`` in its own process, so the server never competes with the client
    for the interpreter lock (that would delay arrivals and bunch them into 429s)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("darkhorses")), "simulate", "--port", str(port), "--seed", "3", "--today",
         TODAY.isoformat(), "--username", "bench", "--password", "bench-secret", "--latency-ms", str(latency_ms),
         "--rate-limits"],
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
    args = parser.parse_args()
    if args.which == "rate":
        rate(args.days, args.latency_ms)
    else:
        processing(args.days, args.postgres)


if __name__ == "__main__":
    main()
