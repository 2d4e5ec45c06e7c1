"""fetch's command line: --list, and one-line refusals of bad input before anything is touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from darkhorses.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "x.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("RACING_API_USERNAME", "someone")
    monkeypatch.setenv("RACING_API_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("DARKHORSES_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("DARKHORSES_ARCHIVE_DIR", str(tmp_path / "archive"))
    return database


def test_list_names_every_job_its_source_and_tables() -> None:
    result = runner.invoke(app, ["fetch", "--list"])
    assert result.exit_code == 0
    for expected in ("racecards", "/v1/racecards/pro", "ra_runner_odds", "/v1/results", "ra_horse_pedigree"):
        assert expected in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "sideways"], "unknown mode 'sideways'"),
        (["--mode", "manual", "--tables", "ra_nonsense", "--days-back", "1"], "unknown table 'ra_nonsense'"),
        (["--mode", "manual", "--start-date", "2025-10-09", "--end-date", "2025-10-01"], "is after --end-date"),
        (["--mode", "manual", "--start-date", "2025-13-40"], "--start-date must be a date"),
        (["--mode", "manual", "--days-back", "-3"], "--days-back must be 0 or more"),
        (["--mode", "manual", "--tables", "results"], "needs --start-date or --days-back"),
        (["--mode", "manual", "--start-date", "2099-01-01", "--end-date", "2099-01-02"], "beyond the API's window"),
        (["--mode", "daily", "--racecard-days", "9"], "at most 7 days ahead"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_creates_nothing(args: list[str], message: str, _environment: Path) -> None:
    result = runner.invoke(app, ["fetch", *args])
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert message in result.stderr
    assert not _environment.exists()


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch, _environment: Path) -> None:
    monkeypatch.delenv("RACING_API_PASSWORD")
    result = runner.invoke(app, ["fetch", "--mode", "daily"])
    assert result.exit_code == 2 and "no Racing API credentials" in result.stderr
    assert not _environment.exists()


def test_populate_category_core_runs_the_daily_sync_first(monkeypatch: pytest.MonkeyPatch, _environment: Path) -> None:
    monkeypatch.delenv("RACING_API_PASSWORD")
    result = runner.invoke(app, ["populate", "--category", "core"])
    assert result.exit_code == 2 and "no Racing API credentials" in result.stderr
    assert not _environment.exists()
