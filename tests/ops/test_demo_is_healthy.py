"""On a fresh machine, ``darkhorses demo`` then ``status`` and ``health`` show a healthy database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from darkhorses.cli import app

runner = CliRunner()


def test_demo_then_status_then_health(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "DARKHORSES_LOG_DIR", "RACING_API_USERNAME", "RACING_API_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    assert runner.invoke(app, ["demo", "--days", "1"]).exit_code == 0

    status = runner.invoke(app, ["status", "--json"])
    assert status.exit_code == 0, status.stderr
    report = json.loads(status.stdout)
    rows = {table["name"]: table["rows"] for table in report["tables"]}
    assert rows["ra_mst_runners"] > 100 and rows["ra_mst_race_results"] > 0 and rows["ra_runner_statistics"] > 0
    assert [(run["command"], run["mode"], run["status"]) for run in report["runs"]] == [
        ("fetch", "daily", "succeeded"), ("fetch", "backfill", "succeeded")]
    assert report["failed_count"] == 0
    assert report["enrichment"]["pending"] == 0 and report["enrichment"]["with_profile"] > 0
    assert [check for check in report["checks"] if not check["ok"]] == []

    health = runner.invoke(app, ["health"])
    assert health.exit_code == 0, health.stderr
    assert health.stdout.startswith("healthy: last daily run ")
