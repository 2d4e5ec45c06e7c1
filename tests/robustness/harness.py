"""The robustness harness: the real ``darkhorses`` command in subprocesses against the simulator.

Shared by the CI tests in this folder and by ``benchmarks/soak.py``. A :class:`Sandbox` is one
database plus its log and archive folders and the environment a user would set; ``kill_and_resume``
kills a fetch with SIGKILL at chosen points of its progress (counted in finished work units, so
every kill lands while work is under way) and reruns it until it completes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from darkhorses.config import Settings, load_settings
from darkhorses.db.schema import dh_runs, dh_work_units
from darkhorses.simulator import World

DARKHORSES = str(Path(sys.executable).with_name("darkhorses"))
USERNAME = "robust-user-q8Zt3"
PASSWORD = "robust-pass-M4xw91Kd"
SEED = 11
TODAY = dt.date(2025, 10, 20)
"""The suite's today, for the simulator, the in-process runs and (``DARKHORSES_TODAY``) every
``darkhorses`` process: no test depends on the real date."""
FAST_LIMITS = {
    "DARKHORSES_RATE_LIMIT_DEFAULT": "50",
    "DARKHORSES_RATE_LIMIT_RACECARDS": "50",
    "DARKHORSES_RATE_LIMIT_REFERENCE": "50",
    "DARKHORSES_RATE_LIMIT_GLOBAL": "50",
    "DARKHORSES_RATE_LIMIT_PER_10S": "100",
}
"""A loopback simulator without rate limits needs no politeness; 100 in 10 s is the settings' cap."""
POLL_SECONDS = 0.01
_OUTPUTS = itertools.count(1)
KILL_MARGIN = 8
"""Kill points stay this many units short of the end, so the process is still working when hit."""


def quiet_days(seed: int, today: dt.date, region: str, count: int, window: range = range(7, 14)) -> list[dt.date]:
    """The ``count`` consecutive past dates with the fewest runners in ``region``: small, complete
    (results published) and older than the dates every run fetches again."""
    world = World(seed=seed, today=today)
    dates = [today - dt.timedelta(days=n) for n in window]
    runners = {d: sum(len(c["runners"]) for c in world.racecards(d) if c["region"] == region.upper()) for d in dates}
    starts = sorted(dates)[: len(dates) - count + 1]
    best = min(starts, key=lambda s: sum(runners[s + dt.timedelta(days=n)] for n in range(count)))
    return [best + dt.timedelta(days=n) for n in range(count)]


@dataclass
class Outcome:
    """A finished ``darkhorses`` process: exit code and both streams."""

    code: int
    stdout: str
    stderr: str


@dataclass
class Sandbox:
    """One database and the folders and environment of the ``darkhorses`` processes that use it."""

    database_url: str
    root: Path
    api_url: str
    regions: str = "ire"
    extra: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """The process environment: the caller's, minus any DarkHorses settings, plus ours."""
        inherited = {k: v for k, v in os.environ.items()
                     if not k.startswith(("RACING_API_", "DARKHORSES_")) and k != "DATABASE_URL"}
        return {
            **inherited,
            "RACING_API_BASE_URL": self.api_url,
            "RACING_API_USERNAME": USERNAME,
            "RACING_API_PASSWORD": PASSWORD,
            "RACING_API_HISTORY_ADDON": "false",
            "DATABASE_URL": self.database_url,
            "DARKHORSES_LOG_DIR": str(self.root / "logs"),
            "DARKHORSES_ARCHIVE_DIR": str(self.root / "archive"),
            "DARKHORSES_REGIONS": self.regions,
            "DARKHORSES_TODAY": TODAY.isoformat(),
            **FAST_LIMITS,
            **self.extra,
        }

    def settings(self) -> Settings:
        """The same settings, for an in-process run."""
        env = self.env()
        return load_settings(**{k.lower(): v for k, v in env.items()
                                if k.startswith(("RACING_API_", "DARKHORSES_")) or k == "DATABASE_URL"})

    def start(self, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
        """Start ``darkhorses ARGS``; its output goes to a file (a full pipe would block it)."""
        out = self._output("log")
        with out.open("wb") as sink:
            process = subprocess.Popen([DARKHORSES, *args], env=self.env(), cwd=self.root, stdout=sink,
                                       stderr=subprocess.STDOUT)
        return process, out

    def run(self, *args: str, timeout: float = 300) -> Outcome:
        """Run ``darkhorses ARGS`` to the end."""
        out = self._output("out")
        done = subprocess.run([DARKHORSES, *args], env=self.env(), cwd=self.root, capture_output=True, text=True,
                              timeout=timeout, check=False)
        out.write_text(done.stdout, encoding="utf-8")
        out.with_suffix(".err").write_text(done.stderr, encoding="utf-8")
        return Outcome(done.returncode, done.stdout, done.stderr)

    def _output(self, suffix: str) -> Path:
        """A fresh file under ``root/out`` (numbered across every sandbox sharing the folder)."""
        folder = self.root / "out"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{next(_OUTPUTS):04d}.{suffix}"

    def outputs(self) -> list[Path]:
        """Every captured output of every process so far."""
        return sorted((self.root / "out").glob("*")) if (self.root / "out").exists() else []


def done_units(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(
            select(func.count()).select_from(dh_work_units).where(dh_work_units.c.status == "done")) or 0)


def ledger(engine: Engine) -> dict[tuple[str, str], str]:
    """Every work unit and its status."""
    with engine.connect() as connection:
        rows = connection.execute(select(dh_work_units.c.job, dh_work_units.c.partition_key, dh_work_units.c.status))
        return {(job, key): status for job, key, status in rows}


def run_statuses(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.scalars(select(dh_runs.c.status)))


@dataclass
class CrashLog:
    """What ``kill_and_resume`` did: kills, at which unit counts, and how the last run ended."""

    kills: int = 0
    kill_points: list[int] = field(default_factory=list)
    runs: int = 0
    final: Outcome | None = None


def kill_and_resume(sandbox: Sandbox, engine: Engine, args: Sequence[str], *, kills: int, total_units: int,
                    rng: random.Random, timeout: float = 300) -> CrashLog:
    """Kill ``darkhorses ARGS`` with SIGKILL ``kills`` times at random progress points, then rerun
    it until it exits 0 (at most three more times).

    Kill points are spread over the run: after a random number of further finished units, plus a
    random few milliseconds so that a kill can land inside a unit's transaction as well as
    between units.
    """
    log = CrashLog()
    deadline = time.monotonic() + timeout
    for left in range(kills, 0, -1):
        done = done_units(engine)
        step = max(1, (total_units - KILL_MARGIN - done) // (left + 1))
        target = done + rng.randint(1, step)
        process, out = sandbox.start(*args)
        log.runs += 1
        while process.poll() is None and done_units(engine) < target:
            if time.monotonic() > deadline:
                process.kill()
                raise TimeoutError(f"fetch did not reach {target} done units in time; see {out}")
            time.sleep(POLL_SECONDS)
        time.sleep(rng.uniform(0, 0.05))
        if process.poll() is not None:
            raise AssertionError(f"fetch ended by itself (exit {process.returncode}) before kill {kills - left + 1}; "
                                 f"see {out}:\n{out.read_text(errors='replace')[-2000:]}")
        process.send_signal(signal.SIGKILL)
        process.wait()
        log.kills += 1
        log.kill_points.append(done_units(engine))
    for _ in range(3):
        log.runs += 1
        log.final = sandbox.run(*args, timeout=max(1.0, deadline - time.monotonic()))
        if log.final.code == 0:
            break
    return log
