"""Simulator speed: a results page for one date, generated and served; sustained requests/s.

Run:  .venv/bin/python benchmarks/bench_simulator.py [--dates 20] [--seconds 5] [--concurrency 8]
      [--in-process]

The server runs in its own process (``serve_forever`` on a loopback port), so the client does not
share its interpreter lock; ``--in-process`` serves from a thread of this process instead, as the
first recorded numbers did. Bounded in request count and time. Prints:

* cold: the first results page of a fresh server (builds the horse cohorts of that era);
* per-date: results pages for dates never requested before (generation + rendering + HTTP),
  median and worst, in milliseconds — the issue's target is < 50 ms;
* throughput: requests/s over a mix of cached results pages, racecards by id, results by id and
  horse profiles — the target is >= 200 requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import multiprocessing
import os
import socket
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from darkhorses.simulator import SimulatorConfig, serve_forever, serve_in_thread

TODAY = dt.date(2025, 10, 20)
AUTH = ("demo", "demo")
HOST = "127.0.0.1"


def results_url(day: dt.date) -> str:
    return f"/v1/results?start_date={day}&end_date={day}&limit=50"


def timed_get(client: httpx.Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed * 1000


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` (Linux ``/proc``; None elsewhere).

    Wall-clock latency on a shared machine includes waiting for a core; the server's own CPU time
    per page does not, so both are printed.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serve_in_process(config: SimulatorConfig) -> Iterator[tuple[str, int]]:
    """The simulator in a child process on a free loopback port; stopped (by its handle) on exit.

    Yields the base URL and the server's process id.
    """
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    server = multiprocessing.get_context("spawn").Process(target=serve_forever, args=(config, HOST, port),
                                                          daemon=True)
    server.start()
    base_url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base_url}/v1/courses/regions", auth=AUTH).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or not server.is_alive():
                    raise RuntimeError("the simulator process did not start") from None
                time.sleep(0.05)
        yield base_url, server.pid or 0
    finally:
        server.terminate()
        server.join(timeout=10)


@contextlib.contextmanager
def serve_threaded(config: SimulatorConfig) -> Iterator[tuple[str, int]]:
    """``serve_in_thread`` with this process's id, for the same interface as the child process."""
    with serve_in_thread(config) as base_url:
        yield base_url, os.getpid()


async def throughput(base_url: str, urls: list[str], seconds: float, concurrency: int, cap: int) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient, offset: int) -> None:
        nonlocal done
        i = offset
        while time.perf_counter() < deadline and done < cap:
            (await client.get(urls[i % len(urls)])).raise_for_status()
            done += 1
            i += concurrency

    start = time.perf_counter()
    async with httpx.AsyncClient(base_url=base_url, auth=AUTH) as client:
        await asyncio.gather(*(worker(client, k) for k in range(concurrency)))
    return done / (time.perf_counter() - start)


def entity_costs(client: httpx.Client, pid: int, runner: dict[str, str]) -> None:
    """Wall and server CPU time of entity requests, in order: the first builds the run index."""
    calls = [("jockey results, default 365-day window, first", f"/v1/jockeys/{runner['jockey_id']}/results"),
             ("jockey results, same window, again", f"/v1/jockeys/{runner['jockey_id']}/results"),
             ("sire results, same window", f"/v1/sires/{runner['sire_id']}/results"),
             ("trainer analysis by course, same window", f"/v1/trainers/{runner['trainer_id']}/analysis/courses"),
             ("horse results, whole career", f"/v1/horses/{runner['horse_id']}/results"),
             ("horse search, common word", "/v1/horses/search?name=silver"),
             ("dam search, no hit (every cohort)", "/v1/dams/search?name=zzz")]
    client.timeout = httpx.Timeout(600)
    for label, url in calls:
        before = cpu_seconds(pid)
        wall = timed_get(client, url)
        after = cpu_seconds(pid)
        cpu = f", server CPU {after - before:.2f} s" if before is not None and after is not None else ""
        print(f"{label}: {wall / 1000:.2f} s{cpu}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dates", type=int, default=20, help="fresh dates to time (default 20)")
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput run length (default 5)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--in-process", action="store_true", help="serve from a thread of this process")
    parser.add_argument("--entities", action="store_true",
                        help="also time entity endpoints (the first one scans 365 days: about 10 s)")
    args = parser.parse_args()
    config = SimulatorConfig(seed=1, today=TODAY)
    server = serve_threaded(config) if args.in_process else serve_in_process(config)
    with server as (base_url, pid), httpx.Client(base_url=base_url, auth=AUTH) as client:
        cold = timed_get(client, results_url(TODAY - dt.timedelta(days=1)))
        cpu_before = cpu_seconds(pid)
        fresh = [timed_get(client, results_url(TODAY - dt.timedelta(days=2 + n))) for n in range(args.dates)]
        cpu_after = cpu_seconds(pid)
        day = TODAY - dt.timedelta(days=2)
        races = client.get(results_url(day)).json()["results"]
        urls = [results_url(TODAY - dt.timedelta(days=2 + n)) for n in range(5)]
        urls += [f"/v1/racecards/{race['race_id']}/pro" for race in races[:5]]
        urls += [f"/v1/horses/{race['runners'][0]['horse_id']}/standard" for race in races[:5]]
        urls += [f"/v1/results/{race['race_id']}" for race in races[:5]]
        for url in urls:
            client.get(url)
        rate = asyncio.run(throughput(base_url, urls, args.seconds, args.concurrency, args.max_requests))
        if args.entities:
            entity_costs(client, pid, races[0]["runners"][0])
    where = "a thread of the client's process" if args.in_process else "its own process"
    print(f"server in {where}")
    print(f"cold first results page: {cold:.0f} ms")
    print(f"results page, fresh date: median {statistics.median(fresh):.1f} ms, "
          f"worst {max(fresh):.1f} ms over {len(fresh)} dates (target < 50 ms)")
    if cpu_before is not None and cpu_after is not None and not args.in_process:
        print(f"server CPU per fresh-date page: mean {(cpu_after - cpu_before) / len(fresh) * 1000:.1f} ms")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"throughput: {rate:.0f} requests/s with {args.concurrency} concurrent clients (target >= 200)")
    print(f"ratio to targets: latency {50 / statistics.median(fresh):.1f}x, throughput {rate / 200:.1f}x")


if __name__ == "__main__":
    main()
