"""Soak: many SIGKILLs and an unreliable API, and the database still ends exactly as a clean run's.

1. A clean, uninterrupted backfill (in process) of the quietest consecutive past days.
2. The same backfill with the real ``darkhorses fetch`` in subprocesses, killed with SIGKILL at
   ``--kills`` random progress points and rerun until it completes: digest compared.
3. The same backfill against a simulator injecting 5xx, slow and hanging responses, dropped
   connections, truncated and invalid bodies, with its rate limits and IP cool-off on; then
   ``--retry-failed`` against a healthy API until nothing is left: digest compared.

Prints one summary line per phase and a final verdict; exits 1 if any digest differs. Bounded by
``--timeout`` seconds per phase. Not run by CI (the CI version is tests/robustness).

    .venv/bin/python benchmarks/soak.py --kills 24 --days 3
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from darkhorses.db.engine import make_engine  # noqa: E402
from darkhorses.db.migrate import upgrade  # noqa: E402
from darkhorses.ingest.controller import FetchOptions, fetch  # noqa: E402
from darkhorses.london import london_today  # noqa: E402
from darkhorses.ops.digest import database_digest, differing  # noqa: E402
from darkhorses.racing_api.limiter import RateLimiter, RateLimits  # noqa: E402
from darkhorses.simulator import FaultConfig, SimulatorConfig, serve_in_thread  # noqa: E402
from tests.robustness.harness import (  # noqa: E402
    PASSWORD,
    SEED,
    USERNAME,
    Sandbox,
    kill_and_resume,
    ledger,
    quiet_days,
)

UNLIMITED = RateLimits.unlimited()
FAULTS = FaultConfig(server_error=0.03, slow=0.02, hang=0.005, drop=0.02, truncate=0.02, invalid_json=0.02,
                     slow_seconds=1.0, hang_seconds=4.0, seed=9)
FAULTY_CLIENT = {"DARKHORSES_MAX_ATTEMPTS": "3", "RACING_API_TIMEOUT_SECONDS": "2",
                 "DARKHORSES_RATE_LIMIT_COOLOFF_SECONDS": "3", "DARKHORSES_RATE_LIMIT_DEFAULT": "6",
                 "DARKHORSES_RATE_LIMIT_RACECARDS": "3", "DARKHORSES_RATE_LIMIT_REFERENCE": "2",
                 "DARKHORSES_RATE_LIMIT_GLOBAL": "12"}
"""Slightly faster than the simulator allows (5/s, 2/s, 1/s): realistic 429 bursts."""


def _retries(sandbox: Sandbox) -> Counter[str]:
    """Retries the clients logged, by cause (status, or the error's name)."""
    seen: Counter[str] = Counter()
    for path in sandbox.root.glob("out/*"):
        for line in path.read_text(errors="replace").splitlines():
            if "retrying" in line and " after " in line:
                seen[line.split(" after ", 1)[1].split(" ", 1)[0]] += 1
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--region", default="ire")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the kill points")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per phase")
    args = parser.parse_args()
    today = london_today()
    days = quiet_days(SEED, today, args.region, args.days, range(7, 7 + 4 * args.days))
    backfill = ("fetch", "--mode", "backfill", "--start-date", days[0].isoformat(), "--end-date", days[-1].isoformat())
    root = Path(tempfile.mkdtemp(prefix="darkhorses-soak-"))
    healthy = SimulatorConfig(seed=SEED, today=today, username=USERNAME, password=PASSWORD)
    faulty = SimulatorConfig(seed=SEED, today=today, username=USERNAME, password=PASSWORD, faults=FAULTS,
                             rate_limits_enabled=True, ip_block_threshold=80, ip_block_seconds=5)
    verdict = True
    with serve_in_thread(healthy) as api, serve_in_thread(faulty) as bad_api:
        started = time.monotonic()
        clean = Sandbox(f"sqlite:///{root / 'clean.db'}", root / "clean", api, regions=args.region)
        options = FetchOptions(mode="backfill", start_date=days[0], end_date=days[-1])
        report, _ = fetch(clean.settings(), options, limiter=RateLimiter(UNLIMITED), today=today)
        clean_engine = make_engine(clean.database_url)
        reference, units = database_digest(clean_engine), ledger(clean_engine)
        print(f"clean: {days[0]}..{days[-1]} {args.region}, {len(units)} units, "
              f"{sum(t.rows for t in reference.values())} rows, {time.monotonic() - started:.0f} s")

        started = time.monotonic()
        crashed = Sandbox(f"sqlite:///{root / 'crash.db'}", root / "crash", api, regions=args.region)
        engine = make_engine(crashed.database_url)
        upgrade(engine)
        log = kill_and_resume(crashed, engine, backfill, kills=args.kills, total_units=len(units),
                              rng=random.Random(args.seed), timeout=args.timeout)
        digest = database_digest(engine)
        same = not differing(digest, reference) and ledger(engine) == units
        duplicates = sum(t.duplicate_keys for t in digest.values())
        verdict &= same and duplicates == 0 and log.final is not None and log.final.code == 0
        print(f"crash: {log.kills} kills survived at units {log.kill_points}, {log.runs} runs, "
              f"{duplicates} duplicate keys, digest equal: {same}, {time.monotonic() - started:.0f} s")

        started = time.monotonic()
        shaky = Sandbox(f"sqlite:///{root / 'faults.db'}", root / "faults", bad_api, regions=args.region,
                        extra=FAULTY_CLIENT)
        first = shaky.run(*backfill, timeout=args.timeout)
        run_file = max((shaky.root / "logs").glob("fetcher_backfill_*.json"))
        failed = json.loads(run_file.read_text())["failed_units"]
        reasons = Counter(f["reason"].split(" for ")[0].split(" on ")[0][:60] for f in failed)
        healed = Sandbox(shaky.database_url, shaky.root, api, regions=args.region)
        retried = healed.run(*backfill[:3], "--retry-failed", timeout=args.timeout)
        engine = make_engine(shaky.database_url)
        same = not differing(database_digest(engine), reference) and ledger(engine) == units
        verdict &= same and retried.code == 0
        print(f"faults: first run exit {first.code}, retries by cause {dict(_retries(shaky))}, "
              f"{len(failed)} units failed ({dict(reasons)}), --retry-failed exit {retried.code}, "
              f"digest equal: {same}, {time.monotonic() - started:.0f} s")
    print(f"soak {'PASSED' if verdict else 'FAILED'} (work files in {root})")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
