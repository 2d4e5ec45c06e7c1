"""``status``, ``health`` and ``worker --schedule`` from the command line, on both engines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from darkhorses.cli import app

from .conftest import add_failed_unit, add_run

runner = CliRunner()


def _use(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))


def test_status_json_and_tables(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(seeded, monkeypatch)
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    rows = {table["name"]: table["rows"] for table in data["tables"]}
    assert (rows["ra_mst_runners"], rows["ra_mst_race_results"]) == (5, 2)
    assert (data["latest_race_date"], data["latest_result_date"]) == ("2025-10-21", "2025-10-15")
    assert data["ledger"] == [{"job": "horses", "done": 1, "failed": 0, "pending": 1},
                              {"job": "results", "done": 1, "failed": 0, "pending": 0}]
    assert [check["name"] for check in data["checks"]] == ["field_size", "missing_results", "orphan_keys",
                                                          "duplicate_keys", "fill"]
    shown = runner.invoke(app, ["status"], terminal_width=200)
    assert shown.exit_code == 0, shown.stderr
    for text in ("latest race date: 2025-10-21", "work ledger", "last runs", "data-quality checks",
                 "horses with a profile: 2 (pro 1, standard 1); without: 1",
                 "every British and Irish course has coordinates"):
        assert text in shown.stdout


def test_health_exit_codes(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(engine, monkeypatch)
    now = dt.datetime.now(dt.timezone.utc)
    unhealthy = runner.invoke(app, ["health"])
    assert (unhealthy.exit_code, unhealthy.stderr) == (
        1, "error: unhealthy: no successful daily run yet (run `darkhorses fetch --mode daily`)\n")
    add_run(engine, finished=now - dt.timedelta(hours=1))
    healthy = runner.invoke(app, ["health"])
    assert healthy.exit_code == 0 and healthy.stdout.startswith("healthy: last daily run ")
    add_failed_unit(engine, "2025-10-18", now, "server error 503")
    failing = runner.invoke(app, ["health"])
    assert failing.exit_code == 1
    assert failing.stderr == ("error: unhealthy: 1 failed units in the last 3 days "
                              "(results 2025-10-18: server error 503)\n")


def test_health_and_status_of_a_missing_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    health = runner.invoke(app, ["health"])
    assert health.exit_code == 1 and health.stderr.startswith("error: unhealthy: no database at ")
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 2 and "create one with `darkhorses db upgrade`" in status.stderr
    assert not (tmp_path / "absent.db").exists()


def test_health_never_prints_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:s3cretpw@127.0.0.1:1/db")
    result = runner.invoke(app, ["health"])
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert "s3cretpw" not in result.stdout + result.stderr


def test_worker_schedule_lists_the_next_runs() -> None:
    result = runner.invoke(app, ["worker", "--schedule"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 12 and any(" daily " in line for line in lines)
    assert all(line.split()[3] in {"GMT", "BST"} for line in lines)


def test_worker_refuses_to_start_without_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv("RACING_API_USERNAME", raising=False)
    monkeypatch.delenv("RACING_API_PASSWORD", raising=False)
    result = runner.invoke(app, ["worker"])
    assert result.exit_code == 2 and "no Racing API credentials" in result.stderr
