"""``darkhorses demo``: the whole pipeline on the built-in simulator, no account needed.

The simulator runs in process (no port, no network), so a newcomer sees a real backfill, a daily
run and the statistics land in ``./darkhorses.db`` (or ``DATABASE_URL``) in a minute or two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from darkhorses.config import Settings
from darkhorses.database import connect
from darkhorses.db.engine import describe
from darkhorses.errors import Interrupted
from darkhorses.ingest.controller import FetchReport
from darkhorses.london import london_today
from darkhorses.pipeline import fetch, populate
from darkhorses.simulator.client import simulated_client
from darkhorses.stats.populate import PopulateResult


@dataclass(frozen=True)
class DemoResult:
    backfill: FetchReport
    daily: FetchReport
    statistics: PopulateResult
    run_files: tuple[Path, ...]


def next_steps(settings: Settings) -> list[str]:
    """What a newcomer does after the demo: look at what landed, then point at the real API."""
    url = make_url(settings.database_url)
    where = (str(Path(url.database).resolve()) if url.drivername.startswith("sqlite") and url.database
             else describe(url))
    return [
        f"database: {where}",
        "next steps:",
        "  darkhorses status               what is in the database, how fresh, the last runs",
        "  darkhorses populate --status    the statistics tables and how full their columns are",
        "  darkhorses health               the yes/no a scheduler or monitor checks",
        "  the real API: set RACING_API_USERNAME and RACING_API_PASSWORD (environment or .env), then",
        "  darkhorses fetch --mode backfill --days-back 30   (docs/first-backfill.md)",
    ]


def run_demo(settings: Settings, *, days: int = 30, seed: int = 1, today: dt.date | None = None) -> DemoResult:
    """Backfill ``days`` days from the simulator, run a daily sync, then compute the statistics.

    ``today`` (default: today in London) pins the simulated calendar, so a test sees one world.
    """
    today = today or london_today()
    quiet = settings.model_copy(update={"alert_urls": None})  # a demo alerts nobody
    runs: list[tuple[FetchReport, Path]] = []
    with connect(settings.database_url) as db, simulated_client(seed=seed, today=today) as client:
        for mode, start in (("backfill", today - dt.timedelta(days=days - 1)), ("daily", None)):
            report, path = fetch(db, client, mode, start_date=start, today=today, settings=quiet)
            if report.status == "interrupted":  # no further step: the user asked to stop
                raise Interrupted(f"{report.stopped_line()} (`darkhorses demo`)", report.exit_code)
            runs.append((report, path))
        statistics = populate(db, as_of=today)
    (backfill, backfill_file), (daily, daily_file) = runs
    return DemoResult(backfill, daily, statistics, (backfill_file, daily_file))
