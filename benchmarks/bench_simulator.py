"""Simulator speed: a results page for one date, generated and served; sustained requests/s.

Run:  .venv/bin/python benchmarks/bench_simulator.py [--dates 20] [--seconds 5] [--concurrency 8]

Loopback only (``serve_in_thread``), bounded in request count and time. Prints:

* cold: the first results page of a fresh process (builds the horse cohorts of that era);
* per-date: results pages for dates never requested before (generation + rendering + HTTP),
  median and worst, in milliseconds — the issue's target is < 50 ms;
* throughput: requests/s over a mix of cached results pages, racecards by id and horse
  profiles — the target is >= 200 requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time

import httpx

from darkhorses.simulator import SimulatorConfig, serve_in_thread

TODAY = dt.date(2025, 10, 20)
AUTH = ("demo", "demo")


def results_url(day: dt.date) -> str:
    return f"/v1/results?start_date={day}&end_date={day}&limit=50"


def timed_get(client: httpx.Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed * 1000


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dates", type=int, default=20, help="fresh dates to time (default 20)")
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput run length (default 5)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=20_000)
    args = parser.parse_args()
    config = SimulatorConfig(seed=1, today=TODAY)
    with serve_in_thread(config) as base_url, httpx.Client(base_url=base_url, auth=AUTH) as client:
        cold = timed_get(client, results_url(TODAY - dt.timedelta(days=1)))
        fresh = [timed_get(client, results_url(TODAY - dt.timedelta(days=2 + n))) for n in range(args.dates)]
        day = TODAY - dt.timedelta(days=2)
        races = client.get(results_url(day)).json()["results"]
        urls = [results_url(TODAY - dt.timedelta(days=2 + n)) for n in range(5)]
        urls += [f"/v1/racecards/{race['race_id']}/pro" for race in races[:5]]
        urls += [f"/v1/horses/{race['runners'][0]['horse_id']}/standard" for race in races[:5]]
        urls += [f"/v1/results/{race['race_id']}" for race in races[:5]]
        for url in urls:
            client.get(url)
        rate = asyncio.run(throughput(base_url, urls, args.seconds, args.concurrency, args.max_requests))
    print(f"cold first results page: {cold:.0f} ms")
    print(f"results page, fresh date: median {statistics.median(fresh):.1f} ms, "
          f"worst {max(fresh):.1f} ms over {len(fresh)} dates (target < 50 ms)")
    print(f"throughput: {rate:.0f} requests/s with {args.concurrency} concurrent clients (target >= 200)")
    print(f"ratio to targets: latency {50 / statistics.median(fresh):.1f}x, throughput {rate / 200:.1f}x")


if __name__ == "__main__":
    main()
