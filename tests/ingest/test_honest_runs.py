"""Issue 15: every run tells the truth. In process against the simulator, on both engines.

Interrupts are real signals sent to this process while a fetch is under way (the handler is the
one the command line uses); a dead API is a transport that cannot connect; nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import signal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from darkhorses.config import Settings, load_settings
from darkhorses.db.schema import dh_locks, dh_runs, dh_work_units, ra_mst_horses, ra_mst_races, ra_mst_runners
from darkhorses.errors import ConfigError
from darkhorses.ingest.controller import FetchOptions, run_fetch
from darkhorses.ingest.planning import plan_units
from darkhorses.ingest.progress import LogProgress, duration
from darkhorses.ingest.runs import resume_since
from darkhorses.ops.status import last_success
from darkhorses.racing_api.errors import Unreachable
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.racing_api.retry import RetryPolicy
from darkhorses.simulator import SimulatorConfig, create_app

TODAY = dt.date(2025, 10, 20)
NOW = dt.datetime(2025, 10, 20, 23, 30, tzinfo=dt.timezone.utc)
UNLIMITED = RateLimits.unlimited()
NO_WAITS = RetryPolicy(backoff_base=0)


def _settings(tmp_path: Path, engine: Engine, **extra: object) -> Settings:
    return load_settings(
        racing_api_username="demo", racing_api_password="demo", racing_api_base_url="http://sim",
        database_url=engine.url.render_as_string(hide_password=False), log_dir=tmp_path / "logs",
        archive_dir=tmp_path / "archive", **extra,
    )


class Signalling(httpx.AsyncBaseTransport):
    """The simulator, sending ``signum`` to this process once ``after`` requests have been answered."""

    def __init__(self, after: int | None = None, signum: int = signal.SIGINT) -> None:
        self.inner = httpx.ASGITransport(app=create_app(SimulatorConfig(seed=7, today=TODAY, now=lambda: NOW)))
        self.after, self.signum, self.paths = after, signum, list[str]()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.paths.append(request.url.path)
        if self.after is not None and len(self.paths) == self.after:
            os.kill(os.getpid(), self.signum)
        return response


async def _fetch(settings: Settings, engine: Engine, transport: httpx.AsyncBaseTransport, **options: object):  # type: ignore[no-untyped-def]
    return await run_fetch(settings, FetchOptions(**options), engine=engine, transport=transport,
                           limiter=RateLimiter(UNLIMITED), retry=NO_WAITS, today=TODAY)


def _runs(engine: Engine) -> list[tuple[str, str, bool | None]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(dh_runs.c.mode, dh_runs.c.status, dh_runs.c.success).order_by(dh_runs.c.id))]


def _count(engine: Engine, table: object, *where: object) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table).where(*where))  # type: ignore[arg-type]


RANGE = {"start_date": TODAY - dt.timedelta(days=18), "end_date": TODAY - dt.timedelta(days=11)}
"""8 dates of racecards and results: 16 date units, read in the forked page reader (which a
terminal's Ctrl-C reaches too)."""


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_an_interrupted_fetch_is_recorded_as_interrupted_and_the_same_command_resumes(
        engine: Engine, tmp_path: Path, signum: int, code: int) -> None:
    settings = _settings(tmp_path, engine)
    transport = Signalling(after=10, signum=signum)
    options = dict(mode="manual", tables=("racecards", "results"), concurrency=2, **RANGE)
    report, run_file = await _fetch(settings, engine, transport, **options)

    name = signal.Signals(signum).name
    assert (report.status, report.interrupted_by, report.success, report.exit_code) == ("interrupted", name, False, code)
    done = sum(report.units_done.values())
    assert 0 < done < 16 and report.units_left == 16 - done
    assert report.stopped_line() == (
        f"interrupted by {name}: {done} of 16 units done ({', '.join(f'{job} {n}' for job, n in sorted(report.units_done.items()))}), "
        f"{16 - done} left; run the same command again to resume")
    run = json.loads(run_file.read_text())
    assert (run["status"], run["success"], run["interrupted_by"], run["units_left"]) == ("interrupted", False, name,
                                                                                         16 - done)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=7)
    assert resume_since(engine, FetchOptions(**options), later) is None  # hours later, the command starts afresh
    assert _runs(engine) == [("manual", "interrupted", False)]
    assert _count(engine, dh_locks) == 0
    assert len(transport.paths) <= 10 + 4  # nothing new started after the signal (8 were in flight at most)

    again = Signalling()
    resumed, _ = await _fetch(settings, engine, again, **options)
    assert resumed.success and sum(resumed.units_done.values()) == 16 - done
    assert again.paths.count("/v1/racecards/pro") + again.paths.count("/v1/results") == 16 - done
    assert _count(engine, dh_work_units, dh_work_units.c.job.in_(("racecards", "results")),
                  dh_work_units.c.status == "done") == 16
    now = dt.datetime.now(dt.timezone.utc)
    assert resume_since(engine, FetchOptions(**options), now) is None  # after a complete run, the command starts afresh


async def test_an_interrupted_daily_run_is_not_a_daily_success(engine: Engine, tmp_path: Path) -> None:
    report, _ = await _fetch(_settings(tmp_path, engine), engine, Signalling(after=5), mode="daily")
    assert report.status == "interrupted"
    with engine.connect() as connection:
        assert last_success(connection) is None
    assert _runs(engine) == [("daily", "interrupted", False)]


async def test_retry_failed_is_its_own_mode(engine: Engine, tmp_path: Path) -> None:
    report, run_file = await _fetch(_settings(tmp_path, engine), engine, Signalling(), mode="daily", retry_failed=True)
    assert report.mode == "retry" and run_file.name.startswith("fetcher_retry_")
    assert _runs(engine) == [("retry", "succeeded", True)]
    with engine.connect() as connection:
        assert last_success(connection) is None  # only a real daily run satisfies health


async def test_a_dead_api_stops_the_run_at_once(engine: Engine, tmp_path: Path) -> None:
    attempts: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        raise httpx.ConnectError("connection refused", request=request)

    settings = _settings(tmp_path, engine)
    with pytest.raises(Unreachable, match=r"cannot reach The Racing API at http://sim after 3 attempts .*"
                                          r"nothing more was tried; rerun the same command to resume"):
        await _fetch(settings, engine, httpx.MockTransport(refuse), mode="manual", tables=("results",),
                     start_date=TODAY - dt.timedelta(days=8), end_date=TODAY - dt.timedelta(days=2))
    assert len(attempts) == 3  # not five attempts for each of seven units
    assert _runs(engine) == [("manual", "failed", False)]
    with engine.connect() as connection:
        summary = connection.scalar(select(dh_runs.c.summary))
    assert summary["api_calls"] == {} and summary["units_left"] == 7 and summary["failed_units"] == []
    assert "cannot reach" in summary["error"]
    assert _count(engine, dh_work_units) == 0  # nothing was tried, so nothing is marked failed
    assert _count(engine, dh_locks) == 0
    assert len(list((tmp_path / "logs").glob("fetcher_manual_*.json"))) == 1


async def test_enrichment_can_be_skipped_capped_and_puts_upcoming_racecards_first(
        engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = _settings(tmp_path, engine, rate_limit_default=4.0)
    past = TODAY - dt.timedelta(days=9)
    skipped, _ = await _fetch(settings, engine, Signalling(), mode="manual", start_date=past, end_date=past,
                              enrich=False)
    assert skipped.success and skipped.units_done["horses"] == 0
    pending = _count(engine, ra_mst_horses, ra_mst_horses.c.profile_source.is_(None))
    assert pending > 20
    assert f"horse enrichment skipped (--no-enrich): {pending} horse profiles pending" in skipped.notes

    tomorrow = TODAY + dt.timedelta(days=1)
    await _fetch(settings, engine, Signalling(), mode="manual", tables=("racecards",), start_date=tomorrow,
                 end_date=tomorrow, enrich=False)
    with engine.connect() as connection:
        upcoming = set(connection.scalars(
            select(ra_mst_runners.c.horse_id).join(ra_mst_races, ra_mst_races.c.id == ra_mst_runners.c.race_id)
            .where(ra_mst_races.c.date >= TODAY)))
    pending = _count(engine, ra_mst_horses, ra_mst_horses.c.profile_source.is_(None))
    caplog.set_level(logging.INFO, logger="darkhorses")
    transport = Signalling()
    capped, _ = await _fetch(settings, engine, transport, mode="manual", tables=("horses",), days_back=0,
                             enrich_limit=len(upcoming))
    asked = {path.split("/")[3] for path in transport.paths if path.endswith("/pro")}
    assert asked == upcoming  # the day's cards are complete first
    assert capped.units_done["horses"] == len(upcoming)
    assert (f"horse enrichment: {pending} profiles pending, {len(upcoming)} this run (--enrich-limit); "
            f"about {duration(len(upcoming) / 4.0)} at 4/s") in caplog.messages
    assert f"{pending - len(upcoming)} horse profiles left for a later run (--enrich-limit {len(upcoming)})" in capped.notes


def test_enrichment_estimates_read_plainly() -> None:
    assert [duration(s) for s in (12, 3858 / 5, 4 * 3600)] == ["under a minute", "13 min", "4.0 h"]


def _plan(**options: object) -> list[str]:
    units, notes = plan_units(FetchOptions(**options), load_settings(), TODAY)
    return [f"{u.job} {u.key}" for u in units] + [f"note: {n}" for n in notes]


@pytest.mark.parametrize("flag", [{"days_back": 2}, {"start_date": TODAY}, {"end_date": TODAY}])
def test_daily_refuses_date_flags(flag: dict[str, object]) -> None:
    name = "--" + next(iter(flag)).replace("_", "-")
    with pytest.raises(ConfigError, match=f"^{name} is for --mode manual or backfill; daily fetches racecards for "
                                          r"today \+ --racecard-days and results for the last 3 days$"):
        plan_units(FetchOptions(mode="daily", **flag), load_settings(), TODAY)  # type: ignore[arg-type]


def test_test_in_manual_mode_without_dates_is_the_last_seven_days() -> None:
    plan = _plan(mode="manual", tables=("results",), test=True)
    assert plan == [f"results {TODAY - dt.timedelta(days=n)}" for n in range(6, -1, -1)]


def test_days_back_includes_both_ends() -> None:
    assert _plan(mode="manual", tables=("results",), days_back=2) == [
        f"results {TODAY - dt.timedelta(days=n)}" for n in (2, 1, 0)]


@pytest.mark.parametrize(("start", "end", "message"), [
    (TODAY - dt.timedelta(days=500), TODAY - dt.timedelta(days=400),
     "nothing to fetch: results before 2024-10-20 are not available without the history add-on "
     "(RACING_API_HISTORY_ADDON)"),
    (TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=3),
     "nothing to fetch: results after today (2025-10-20) do not exist yet"),
])
def test_results_that_cannot_exist_are_refused(start: dt.date, end: dt.date, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        plan_units(FetchOptions(mode="manual", tables=("results",), start_date=start, end_date=end), load_settings(),
                   TODAY)


def test_results_partly_outside_the_window_are_a_warning() -> None:
    plan = _plan(mode="manual", tables=("results",), start_date=TODAY - dt.timedelta(days=366), end_date=TODAY - dt.timedelta(days=364))
    assert plan == ["results 2024-10-20", "results 2024-10-21",
                    "note: results before 2024-10-20 are not available without the history add-on "
                    "(RACING_API_HISTORY_ADDON): skipped"]


def test_progress_lines_come_at_least_every_30_seconds_off_a_terminal(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    progress = LogProgress(clock=lambda: now[0])
    progress.add("horses", 3000)
    caplog.set_level(logging.INFO, logger="darkhorses")
    for _ in range(20):  # one profile every 5 s: a tenth (300) would take 25 minutes
        now[0] += 5
        progress.advance("horses")
    assert caplog.messages == ["horses: 6/3000 units", "horses: 12/3000 units", "horses: 18/3000 units"]


async def test_an_unknown_region_code_is_refused(engine: Engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path, engine, regions="gb,xx")
    with pytest.raises(ConfigError, match=r"^DARKHORSES_REGIONS has unknown region code 'xx'; The Racing API knows "
                                          r"aus, fr, gb, ire, usa$"):
        await _fetch(settings, engine, Signalling(), mode="manual", tables=("results",), days_back=1)
    assert _runs(engine) == [("manual", "failed", False)]
    assert _count(engine, dh_work_units) == 0


async def test_rows_written_are_rows_inserted_or_changed(engine: Engine, tmp_path: Path) -> None:
    """A --test run reported 138 courses written for a table of 85: course stubs of every card and
    result, and unchanged rows, were counted as written."""
    from darkhorses.db.schema import ra_mst_courses

    settings = _settings(tmp_path, engine)
    first, _ = await _fetch(settings, engine, Signalling(), mode="daily", test=True)
    assert first.written["ra_mst_courses"] == _count(engine, ra_mst_courses)
    assert first.written["ra_mst_runners"] == _count(engine, ra_mst_runners)
    again, _ = await _fetch(settings, engine, Signalling(), mode="manual", tables=("racecards",), start_date=TODAY,
                            end_date=TODAY, enrich=False)
    assert again.written["ra_mst_courses"] == again.written["ra_mst_runners"] == 0  # the same cards again
