"""What a fetch will do: the modes, the jobs and their tables, and the work units of a command.

Planning only reads the options, the settings and the date (and, for :func:`always_refetched`,
when reference data was last loaded); it refuses bad input with a one-line reason before any
request or write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from darkhorses.config import Settings
from darkhorses.db.schema import ra_metadata_tracking
from darkhorses.errors import ConfigError
from darkhorses.ingest.ledger import Unit
from darkhorses.ingest.racecards import DAYS_AHEAD, FIRST_PRO_RACECARD
from darkhorses.ingest.results import HISTORY_START, RESULTS_WINDOW_DAYS

MODES = ("backfill", "daily", "manual")
BACKFILL_START = dt.date(2015, 1, 1)
RESULTS_DAYS_BACK = 2
"""Results of the last three days change (late results, amendments): always fetched again."""
REFERENCE_MAX_AGE = dt.timedelta(days=30)
TEST_DAYS = 7
TEST_HORSES = 25

JOBS: dict[str, tuple[str, ...]] = {
    "regions": ("ra_mst_regions",),
    "courses": ("ra_mst_courses",),
    "racecards": ("ra_mst_races", "ra_mst_runners", "ra_mst_bookmakers", "ra_runner_odds", "ra_runner_supplementary",
                  "ra_mst_jockeys", "ra_mst_trainers", "ra_mst_owners", "ra_mst_sires", "ra_mst_dams",
                  "ra_mst_damsires"),
    "results": ("ra_mst_race_results", "ra_mst_races", "ra_mst_runners"),
    "horses": ("ra_mst_horses", "ra_horse_pedigree"),
}
"""Each job and the tables it loads (``--tables`` accepts either)."""


@dataclass(frozen=True)
class FetchOptions:
    """What to fetch. Validated by :func:`plan_units`, which explains any refusal in one line."""

    mode: str
    tables: tuple[str, ...] = ()
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    days_back: int | None = None
    racecard_days: int = 3
    test: bool = False
    retry_failed: bool = False
    enrich: bool = True
    """False (``--no-enrich``): no horse profiles this run; they stay pending for a later one."""
    enrich_limit: int | None = None
    """At most this many horse profiles this run (``--test``: 25); None: every pending horse."""
    concurrency: int = 8
    should_stop: Callable[[], bool] | None = field(default=None, compare=False)
    """Asked before each unit; True (a SIGTERM to the worker) leaves the rest for the next run."""

    @property
    def recorded_mode(self) -> str:
        """The mode in ``dh_runs`` and the run file: a retry is not the mode it was typed with."""
        return "retry" if self.retry_failed else self.mode

    def signature(self) -> dict[str, Any]:
        """What makes two runs "the same command", for resuming an interrupted one."""
        return {"tables": sorted(self.tables), "start_date": _iso(self.start_date), "end_date": _iso(self.end_date),
                "days_back": self.days_back, "racecard_days": self.racecard_days, "test": self.test}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def jobs_for(tables: tuple[str, ...]) -> list[str]:
    """Map ``--tables`` (job names or ``ra_*`` table names) to jobs, refusing unknown names."""
    jobs: list[str] = []
    for name in tables:
        matches = [job for job, loaded in JOBS.items() if name == job or name in loaded]
        if not matches:
            known = ", ".join([*JOBS, *sorted({t for loaded in JOBS.values() for t in loaded})])
            raise ConfigError(f"unknown table {name!r}; choose from {known}")
        jobs.extend(job for job in matches if job not in jobs)
    return jobs


def _results_start(settings: Settings, today: dt.date) -> dt.date:
    return HISTORY_START if settings.racing_api_history_addon else today - dt.timedelta(days=RESULTS_WINDOW_DAYS)


def plan_units(options: FetchOptions, settings: Settings, today: dt.date) -> tuple[list[Unit], list[str]]:
    """The units a mode needs before enrichment, plus plain notes on what it will not fetch."""
    if options.mode not in MODES:
        raise ConfigError(f"unknown mode {options.mode!r}; choose from {', '.join(MODES)}")
    if options.days_back is not None and options.days_back < 0:
        raise ConfigError(f"--days-back must be 0 or more, not {options.days_back}")
    if not 0 <= options.racecard_days <= DAYS_AHEAD:
        raise ConfigError(f"racecards can be fetched at most {DAYS_AHEAD} days ahead, not {options.racecard_days}")
    notes: list[str] = []
    if options.mode == "daily":
        _refuse_date_flags(options)
        ahead = 0 if options.test else options.racecard_days
        racecard_days = _days(today, today + dt.timedelta(days=ahead))
        result_days = _days(today - dt.timedelta(days=RESULTS_DAYS_BACK), today)
        jobs = ["regions", "courses", "racecards", "results"]
    else:
        start, end = _date_range(options, today)
        jobs = jobs_for(options.tables) if options.tables else ["regions", "courses", "racecards", "results"]
        skipped: dict[str, str] = {}
        racecard_days = _racecard_days(start, end, options.mode, today, skipped)
        result_days = _result_days(start, end, settings, today, skipped)
        _refuse_nothing_to_fetch(options, jobs, {"racecards": racecard_days, "results": result_days}, skipped)
        notes += [f"{reason}: skipped" for job, reason in skipped.items() if job in jobs]
    if not settings.plan_includes("pro") and "racecards" in jobs:
        notes.append(f"your plan ({settings.racing_api_plan}) does not include Pro racecards: skipped")
        jobs.remove("racecards")
    if not settings.plan_includes("standard") and "results" in jobs:
        notes.append(f"your plan ({settings.racing_api_plan}) does not include results: skipped")
        jobs.remove("results")
    units = [Unit(job, "all") for job in ("regions", "courses") if job in jobs]
    units += [Unit("racecards", day.isoformat()) for day in racecard_days if "racecards" in jobs]
    units += [Unit("results", day.isoformat()) for day in result_days if "results" in jobs]
    return units, notes


def _refuse_date_flags(options: FetchOptions) -> None:
    """Daily mode picks its own dates: a date flag given with it would be silently ignored."""
    for flag, value in (("--days-back", options.days_back), ("--start-date", options.start_date),
                        ("--end-date", options.end_date)):
        if value is not None:
            raise ConfigError(f"{flag} is for --mode manual or backfill; daily fetches racecards for today + "
                              f"--racecard-days and results for the last {RESULTS_DAYS_BACK + 1} days")


def _refuse_nothing_to_fetch(options: FetchOptions, jobs: list[str], days: dict[str, list[dt.date]],
                             skipped: dict[str, str]) -> None:
    """A dated job that was asked for by name, or every dated job of the run, with no date left
    that can exist: refuse rather than "succeed" having done nothing."""
    dated = [job for job in ("racecards", "results") if job in jobs]
    empty = [job for job in dated if not days[job]]
    named = [job for job in empty if options.tables and job in jobs_for(options.tables) and job in skipped]
    if not named and (not dated or empty != dated):
        return
    reasons = [skipped[job] for job in (named or empty) if job in skipped]
    if reasons:
        raise ConfigError("nothing to fetch: " + "; ".join(reasons))


def _date_range(options: FetchOptions, today: dt.date) -> tuple[dt.date, dt.date]:
    end = options.end_date or today
    if options.days_back is not None:
        if options.start_date is not None:
            raise ConfigError("give either --start-date or --days-back, not both")
        start = end - dt.timedelta(days=options.days_back)
    elif options.start_date is not None:
        start = options.start_date
    elif options.mode == "backfill":
        start = BACKFILL_START
    elif options.test:
        start = end - dt.timedelta(days=TEST_DAYS - 1)
    else:
        raise ConfigError("manual mode needs --start-date or --days-back (or --test: the last 7 days)")
    if start > end:
        raise ConfigError(f"--start-date {start} is after --end-date {end}")
    if end > today + dt.timedelta(days=DAYS_AHEAD):
        raise ConfigError(f"--end-date {end} is beyond the API's window (racecards up to {DAYS_AHEAD} days ahead)")
    if options.test:
        start = max(start, end - dt.timedelta(days=TEST_DAYS - 1))
    return start, end


def _racecard_days(start: dt.date, end: dt.date, mode: str, today: dt.date,
                   skipped: dict[str, str]) -> list[dt.date]:
    """The racecard dates of a range; why any were left out goes to ``skipped["racecards"]``."""
    last = end if mode == "manual" else min(end, today)
    first = max(start, FIRST_PRO_RACECARD)
    if start < FIRST_PRO_RACECARD:
        skipped["racecards"] = f"Pro racecards before {FIRST_PRO_RACECARD} do not exist"
    return _days(first, last) if first <= last else []


def _result_days(start: dt.date, end: dt.date, settings: Settings, today: dt.date,
                 skipped: dict[str, str]) -> list[dt.date]:
    """The results dates of a range; why any were left out goes to ``skipped["results"]``."""
    floor = _results_start(settings, today)
    first, last = max(start, floor), min(end, today)
    reasons = []
    if start < floor:
        reason = "" if settings.racing_api_history_addon else " without the history add-on (RACING_API_HISTORY_ADDON)"
        reasons.append(f"results before {floor} are not available{reason}")
    if end > today:
        reasons.append(f"results after today ({today}) do not exist yet")
    if reasons:
        skipped["results"] = "; ".join(reasons)
    return _days(first, last) if first <= last else []


def always_refetched(unit: Unit, options: FetchOptions, today: dt.date, engine: Engine) -> bool:
    """Units fetched even when done: manual mode fetches exactly what it is asked for; recent
    dates still change; stale reference data is refreshed. Backfill resumes past everything else."""
    if options.mode == "manual":
        return True
    if unit.job in ("racecards", "results"):
        return dt.date.fromisoformat(unit.key) >= today - dt.timedelta(days=RESULTS_DAYS_BACK)
    return options.mode == "daily" and _reference_age(engine, unit.job) > REFERENCE_MAX_AGE


def _reference_age(engine: Engine, job: str) -> dt.timedelta:
    query = select(ra_metadata_tracking.c.last_updated).where(ra_metadata_tracking.c.table_name == JOBS[job][0])
    with engine.connect() as connection:
        updated = connection.scalar(query)
    return dt.timedelta.max if updated is None else dt.datetime.now(dt.timezone.utc) - updated


def enrich_limit(options: FetchOptions) -> tuple[int | None, str]:
    """At most how many horses this run enriches (None: all pending), and the flag that says so."""
    if not options.enrich:
        return 0, "--no-enrich"
    if options.enrich_limit is None and options.test:
        return TEST_HORSES, "--test"
    return options.enrich_limit, "--enrich-limit"
