"""Client rate-limit utilisation against the simulator: 300 ms latency, 5 requests/s, 200 requests.

The limiter spaces request *starts*, so requests overlap and the limit is kept busy; a client
that waits for each response before sending the next cannot exceed 1 / latency. This script
serves the simulator on a loopback port (rate limits on, 300 ms latency), sends 200
``/v1/horses/{id}/standard`` requests concurrently through :class:`RacingApiClient` with its
default limits, and prints the achieved rate over the limit (target >= 0.95). It also checks the
simulator never had to answer 429. ``--sequential`` measures one-at-a-time calls for comparison.

    .venv/bin/python benchmarks/bench_rate_limit.py [--requests 200] [--latency-ms 300] [--rate 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time

from darkhorses.config import Settings
from darkhorses.racing_api import RacingApiClient
from darkhorses.simulator import SimulatorConfig, World, serve_in_thread

DAY = dt.date(2025, 10, 20)
USER, PASSWORD = "bench-user", "bench-password"


def horse_ids(count: int) -> list[str]:
    """Real horse ids of the simulated world, so every request is a 200 with a body."""
    world = World(1, DAY)
    ids: list[str] = []
    day = DAY
    while len(ids) < count:
        ids += sorted({r["horse_id"] for card in world.racecards(day) for r in card["runners"]} - set(ids))
        day -= dt.timedelta(days=1)
    return ids[:count]


async def run(base_url: str, ids: list[str], rate: float, sequential: bool) -> tuple[float, int]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        racing_api_username=USER,
        racing_api_password=PASSWORD,
        racing_api_base_url=base_url,
        rate_limit_default=rate,
    )
    async with RacingApiClient.from_settings(settings) as api:
        await api.racecards_pro(DAY)  # warm the server's world outside the timing
        started = time.perf_counter()
        if sequential:
            for horse_id in ids:
                await api.horse_standard(horse_id)
        else:
            await asyncio.gather(*(api.horse_standard(horse_id) for horse_id in ids))
        elapsed = time.perf_counter() - started
        return elapsed, api.requests["/v1/horses/{horse_id}/standard"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=300.0)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--sequential", action="store_true", help="await each call before the next")
    args = parser.parse_args()

    ids = horse_ids(args.requests)
    config = SimulatorConfig(seed=1, today=DAY, username=USER, password=PASSWORD, latency_ms=args.latency_ms,
                             rate_limits_enabled=True, rate_limit_default=args.rate)
    with serve_in_thread(config) as base_url:
        elapsed, sent = asyncio.run(run(base_url, ids, args.rate, args.sequential))
    achieved = args.requests / elapsed
    mode = "sequential" if args.sequential else "concurrent"
    print(f"{mode}: {args.requests} requests, {args.latency_ms:.0f} ms latency, limit {args.rate}/s")
    retries = sent - args.requests
    print(f"elapsed {elapsed:.2f} s, achieved {achieved:.3f} req/s, requests sent {sent} (429 retries: {retries})")
    print(f"utilisation (achieved / limit): {achieved / args.rate:.3f}")


if __name__ == "__main__":
    main()
