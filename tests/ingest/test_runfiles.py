"""Run files are written per fetch; those older than the retention setting go, nothing else does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from darkhorses.config import load_settings
from darkhorses.errors import ConfigError
from darkhorses.ingest.runfiles import prune_run_files, write_run_file

NOW = dt.datetime(2025, 10, 20, 12, 0, tzinfo=dt.timezone.utc)


def _touch(directory: Path, *names: str) -> None:
    for name in names:
        (directory / name).write_text("{}\n", encoding="utf-8")


def test_old_run_files_are_pruned_by_the_time_in_their_name(tmp_path: Path) -> None:
    _touch(tmp_path, "fetcher_daily_20250721_115959.json", "fetcher_backfill_20250722_120000.json",
           "fetcher_manual_20251020_010000.json", "cron.log", "fetcher_daily_notes.json")
    removed = prune_run_files(tmp_path, 90, NOW)
    assert [p.name for p in removed] == ["fetcher_daily_20250721_115959.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cron.log", "fetcher_backfill_20250722_120000.json", "fetcher_daily_notes.json",
        "fetcher_manual_20251020_010000.json"]


def test_zero_keeps_everything_and_a_missing_directory_is_fine(tmp_path: Path) -> None:
    _touch(tmp_path, "fetcher_daily_20000101_000000.json")
    assert prune_run_files(tmp_path, 0, NOW) == []
    assert prune_run_files(tmp_path / "absent", 90, NOW) == []


def test_the_retention_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().run_file_retention_days == 90
    monkeypatch.setenv("DARKHORSES_RUN_FILE_RETENTION_DAYS", "14")
    assert load_settings().run_file_retention_days == 14
    monkeypatch.setenv("DARKHORSES_RUN_FILE_RETENTION_DAYS", "-1")
    with pytest.raises(ConfigError, match="DARKHORSES_RUN_FILE_RETENTION_DAYS"):
        load_settings()


def test_writing_a_run_file_prunes_the_old_ones(tmp_path: Path) -> None:
    old = tmp_path / "fetcher_daily_20000101_010000.json"
    old.write_text("{}", encoding="utf-8")
    settings = load_settings(log_dir=tmp_path, run_file_retention_days=90)
    started = dt.datetime.now(dt.timezone.utc)
    path = write_run_file(settings, "daily", started, {"success": True})
    assert path.name == f"fetcher_daily_{started:%Y%m%d_%H%M%S}.json"
    assert json.loads(path.read_text()) == {"success": True}
    assert not old.exists()
