"""`darkhorses demo` runs the whole pipeline offline into the configured database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from darkhorses.cli import app
from darkhorses.db.engine import make_engine
from darkhorses.db.schema import ra_mst_horses, ra_mst_jockeys, ra_mst_race_results, ra_mst_runners


def test_demo_fills_the_database_and_the_statistics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("DARKHORSES_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("DARKHORSES_ARCHIVE_DIR", str(tmp_path / "archive"))
    result = CliRunner().invoke(app, ["demo", "--days", "1"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "statistics as of" in result.stdout
    closing = result.stdout.rstrip().splitlines()[-7:]  # the demo ends with what a user does next (issue 15)
    assert closing[0] == f"database: {(tmp_path / 'demo.db').resolve()}"
    assert [line.split()[1] for line in closing[2:5]] == ["status", "populate", "health"]
    assert "RACING_API_USERNAME" in closing[5] and closing[6].startswith("  darkhorses fetch --mode backfill")
    runs = sorted((tmp_path / "logs").glob("fetcher_*.json"))
    assert [json.loads(p.read_text())["success"] for p in runs] == [True, True]
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ra_mst_runners)) > 100
        assert connection.scalar(select(func.count()).select_from(ra_mst_race_results)) > 0
        unenriched = select(func.count()).select_from(ra_mst_horses).where(ra_mst_horses.c.profile_source.is_(None))
        assert connection.scalar(unenriched) == 0
        assert connection.scalar(select(func.count()).where(ra_mst_jockeys.c.total_rides > 0)) > 0
