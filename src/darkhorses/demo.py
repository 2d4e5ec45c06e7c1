"""``darkhorses demo``: the whole pipeline on the built-in simulator, no account needed.

The simulator runs in process (no port, no network), so a newcomer sees a real backfill, a daily
run and the statistics land in ``./darkhorses.db`` (or ``DATABASE_URL``) in a minute or two.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from darkhorses.config import Settings
from darkhorses.db.engine import describe
from darkhorses.db.migrate import open_for_writing
from darkhorses.errors import Interrupted
from darkhorses.ingest.controller import FetchOptions, FetchReport, run_fetch
from darkhorses.london import london_today
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.simulator import SimulatorConfig, create_app
from darkhorses.stats.populate import PopulateResult, populate


@dataclass(frozen=True)
class DemoResult:
    backfill: FetchReport
    daily: FetchReport
    statistics: PopulateResult
    run_files: tuple[Path, ...]


async def _run(settings: Settings, days: int, seed: int, today: dt.date) -> DemoResult:
    app = create_app(SimulatorConfig(seed=seed, today=today))
    demo_settings = settings.model_copy(
        update={"racing_api_username": SecretStr("demo"), "racing_api_password": SecretStr("demo"),
                "racing_api_base_url": "http://simulator", "racing_api_plan": "pro",
                "racing_api_history_addon": True, "alert_urls": None}  # a demo alerts nobody
    )
    engine = open_for_writing(settings.database_url)
    reports = []
    for options in (
        FetchOptions(mode="backfill", start_date=today - dt.timedelta(days=days - 1)),
        FetchOptions(mode="daily"),
    ):
        report, path = await run_fetch(demo_settings, options, engine=engine, transport=httpx.ASGITransport(app=app),
                                       limiter=RateLimiter(RateLimits.unlimited()), today=today)
        if report.status == "interrupted":  # no further step: the user asked to stop
            raise Interrupted(f"{report.stopped_line()} (`darkhorses demo`)", report.exit_code)
        reports.append((report, path))
    statistics = await asyncio.to_thread(populate, engine, as_of=today)
    (backfill, backfill_file), (daily, daily_file) = reports
    return DemoResult(backfill, daily, statistics, (backfill_file, daily_file))


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
    return asyncio.run(_run(settings, days, seed, today or london_today()))
