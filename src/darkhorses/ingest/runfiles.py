"""Run files: ``logs/fetcher_<mode>_<YYYYmmdd_HHMMSS>.json``, one per fetch, pruned by age.

Each fetch writes its counts, calls, failures and outcome here, then removes run files older than
``DARKHORSES_RUN_FILE_RETENTION_DAYS``: a daily run writes a file a day and the worker a few more,
so months unattended would otherwise fill the log directory. The age comes from the timestamp in
the name (the run's UTC start), not the file's mtime, which copies and backups change. Files not named like a run file are left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from typing import Any

from darkhorses.config import Settings

log = logging.getLogger(__name__)

RUN_FILE = re.compile(r"fetcher_[a-z]+_(\d{8}_\d{6})\.json")


def prune_run_files(log_dir: Path, keep_days: int, now: dt.datetime | None = None) -> list[Path]:
    """Delete run files older than ``keep_days`` days (0 keeps everything); return what went."""
    if keep_days == 0 or not log_dir.is_dir():
        return []
    cutoff = (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=keep_days)
    removed = []
    for path in sorted(log_dir.iterdir()):
        match = RUN_FILE.fullmatch(path.name)
        if match and dt.datetime.strptime(match[1], "%Y%m%d_%H%M%S").replace(tzinfo=dt.timezone.utc) < cutoff:
            path.unlink()
            removed.append(path)
    return removed


def write_run_file(settings: Settings, mode: str, started_at: dt.datetime, content: dict[str, Any]) -> Path:
    """Write one run's file, then prune the old ones; returns the new file's path."""
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    path = settings.log_dir / f"fetcher_{mode}_{started_at:%Y%m%d_%H%M%S}.json"
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    for old in prune_run_files(settings.log_dir, settings.run_file_retention_days):
        log.info("removed run file %s (older than %d days)", old, settings.run_file_retention_days)
    return path
