"""Issue 15 in the bad-input matrix: interrupts, runs that would do nothing, and a dead API, with
the real ``darkhorses`` command in subprocesses against the loopback simulator, on both engines.

An interrupted run is recorded as interrupted (never ``running``, never a success), prints one
line saying what it did and that the same command resumes, exits 130 or 143, releases the lock,
and the same command then completes the database exactly. A run that could only do nothing is
refused with one line; a dead API stops the run after a few attempts.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url

from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import upgrade
from darkhorses.db.schema import dh_locks, dh_runs, dh_work_units
from darkhorses.ops.digest import database_digest, differing
from darkhorses.stats.populate import JOBS, populate

from .conftest import Reference
from .harness import POLL_SECONDS, TODAY, Sandbox, done_units, ledger, run_statuses

SIGNAL_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
STOP_BOUND_SECONDS = 60
"""A stopped fetch has ended well before this (seconds on an idle machine); it only bounds a hang."""


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))  # type: ignore[arg-type]


@pytest.mark.slow  # polls a real fetch process
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_fetch_is_recorded_and_the_same_command_resumes(
        engine: Engine, reference: Reference, sandbox_for, signum: signal.Signals) -> None:  # type: ignore[no-untyped-def]
    sandbox: Sandbox = sandbox_for(engine)
    process, out = sandbox.start(*reference.backfill_args())
    deadline = time.monotonic() + 120
    while process.poll() is None and done_units(engine) < 3:
        assert time.monotonic() < deadline, out.read_text()
        time.sleep(POLL_SECONDS)
    assert process.poll() is None, f"the fetch ended before the signal:\n{out.read_text()}"
    process.send_signal(signum)
    code = process.wait(timeout=STOP_BOUND_SECONDS)
    text = out.read_text()
    assert code == SIGNAL_CODES[signum], text
    assert "Traceback" not in text
    line = text.rstrip().splitlines()[-1]
    assert line.startswith(f"interrupted by {signum.name}: ") and line.endswith(
        " left; run the same command again to resume"), text
    assert statuses_and_lock(engine) == (["interrupted"], 0)
    run = json.loads(next((sandbox.root / "logs").glob("fetcher_backfill_*.json")).read_text())
    assert (run["status"], run["success"], run["interrupted_by"]) == ("interrupted", False, signum.name)
    assert run["units_left"] > 0 and sum(run["units_done"].values()) == done_units(engine)

    final = sandbox.run(*reference.backfill_args())
    assert final.code == 0, final.stdout + final.stderr
    assert ledger(engine) == reference.ledger
    assert differing(database_digest(engine), reference.digest) == []
    assert statuses_and_lock(engine) == (["interrupted", "succeeded"], 0)


def statuses_and_lock(engine: Engine) -> tuple[list[str], int]:
    return run_statuses(engine), _count(engine, dh_locks)


def _days(start: int, end: int) -> list[str]:
    today = TODAY
    return ["--start-date", (today + dt.timedelta(days=start)).isoformat(),
            "--end-date", (today + dt.timedelta(days=end)).isoformat()]


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--mode", "manual", "--tables", "results", *_days(-500, -400)], {},
     "error: nothing to fetch: results before "),
    (["--mode", "manual", "--tables", "results", *_days(1, 3)], {},
     "error: nothing to fetch: results after today "),
    (["--mode", "daily", "--days-back", "2"], {}, "error: --days-back is for --mode manual or backfill"),
    (["--mode", "manual", "--tables", "results", "--days-back", "1"], {"DARKHORSES_REGIONS": "ire,xx"},
     "error: DARKHORSES_REGIONS has unknown region code 'xx'; The Racing API knows "),
], ids=["results before the window", "future results", "daily with dates", "unknown region"])
def test_a_run_that_could_only_do_nothing_is_refused(engine: Engine, sandbox_for, args: list[str],  # type: ignore[no-untyped-def]
                                                      env: dict[str, str], message: str) -> None:
    upgrade(engine)
    sandbox: Sandbox = sandbox_for(engine, **env)
    outcome = sandbox.run("fetch", *args)
    assert outcome.code == 2, outcome.stdout + outcome.stderr
    assert outcome.stderr.rstrip().splitlines()[-1].startswith(message), outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert _count(engine, dh_work_units) == 0
    assert "running" not in run_statuses(engine) and "succeeded" not in run_statuses(engine)


def test_populate_refuses_a_database_file_that_does_not_exist(sandbox_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "typo.db"
    sandbox = Sandbox(f"sqlite:///{missing}", tmp_path, "http://127.0.0.1:1")
    outcome = sandbox.run("populate")
    assert outcome.code == 2 and outcome.stderr == (
        f"error: no database at {missing}; create one with `darkhorses db upgrade` (or try `darkhorses demo`)\n")
    assert not missing.exists()


def test_a_dead_api_stops_the_run_after_a_few_attempts(engine: Engine, sandbox_for) -> None:  # type: ignore[no-untyped-def]
    upgrade(engine)
    dead = Sandbox(sandbox_for(engine).database_url, sandbox_for(engine).root, "http://127.0.0.1:1")
    outcome = dead.run("fetch", "--mode", "manual", "--tables", "results", "--days-back", "6")
    assert outcome.code == 4, outcome.stdout + outcome.stderr
    assert outcome.stderr.rstrip().splitlines()[-1] == (
        "error: cannot reach The Racing API at http://127.0.0.1:1 after 3 attempts (ConnectError); nothing more "
        "was tried; rerun the same command to resume")
    assert outcome.stderr.count("retrying") <= 2  # not five attempts for each of seven dates
    assert statuses_and_lock(engine) == (["failed"], 0)
    with engine.connect() as connection:
        summary = connection.scalar(select(dh_runs.c.summary))
    assert (summary["api_calls"], summary["failed_units"], summary["units_left"]) == ({}, [], 7)


def test_populate_stopped_between_tables_keeps_the_rest_as_they_were(reference: Reference, tmp_path: Path) -> None:
    """What populate does on its first SIGINT or SIGTERM (the CLI's handler asks this way)."""
    path = tmp_path / "copy.db"
    with sqlite3.connect(make_url(reference.database_url).database or "") as source, sqlite3.connect(path) as target:
        source.backup(target)
    engine = make_engine(f"sqlite:///{path}")
    before = database_digest(engine)
    asked: list[int] = []

    def after_the_first_table() -> bool:
        asked.append(1)
        return len(asked) > 1

    result = populate(engine, should_stop=after_the_first_table)
    after = database_digest(engine)
    engine.dispose()
    assert len(result.tables) == 1 and len(result.left) == len(JOBS) - 1
    assert set(differing(after, before)) <= {result.tables[0].table}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_populate_on_a_signal_says_what_it_computed_and_exits_with_the_signals_code(
        reference: Reference, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: signal.Signals) -> None:
    import os

    from typer.testing import CliRunner

    from darkhorses.cli import app
    from darkhorses.stats import populate as populate_module

    path = tmp_path / "copy.db"
    with sqlite3.connect(make_url(reference.database_url).database or "") as source, sqlite3.connect(path) as target:
        source.backup(target)
    real = populate_module.populate

    def signalled(engine: Engine, **options: object):  # type: ignore[no-untyped-def]
        os.kill(os.getpid(), signum)  # as Ctrl-C or `kill` would, once the batch has started
        return real(engine, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(populate_module, "populate", signalled)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    result = CliRunner().invoke(app, ["populate"])
    assert result.exit_code == SIGNAL_CODES[signum], result.stdout + result.stderr
    assert result.stderr == (f"interrupted by {signum.name}: 0 of {len(JOBS)} tables computed (none); the other "
                             f"{len(JOBS)} keep their previous contents; run the same command again to compute them\n")
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the command's handlers are gone again
