"""Run files older than the retention setting go; everything else in the log directory stays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from darkhorses.config import load_settings
from darkhorses.errors import ConfigError
from darkhorses.ops.retention import prune_run_files

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
