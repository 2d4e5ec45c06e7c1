"""fetch against the in-process simulator, on SQLite and PostgreSQL: exact, minimal, resumable."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import httpx
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from darkhorses.config import Settings, load_settings
from darkhorses.db.schema import (
    dh_runs,
    metadata,
    dh_work_units,
    ra_collection_metadata,
    ra_metadata_tracking,
    ra_mst_courses,
    ra_mst_horses,
    ra_mst_race_results,
    ra_mst_races,
    ra_mst_runners,
    ra_mst_sires,
    ra_runner_odds,
)
from darkhorses.ingest.controller import FetchOptions, run_fetch
from darkhorses.ingest.horses import refresh_ages
from darkhorses.racing_api.archive import read_archive
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.racing_api.retry import RetryPolicy
from darkhorses.simulator import SimulatorConfig, World, create_app

TODAY = dt.date(2025, 10, 20)
NOW = dt.datetime(2025, 10, 20, 23, 30, tzinfo=dt.timezone.utc)
UNLIMITED = RateLimits.unlimited()


def _settings(tmp_path: Path, engine: Engine) -> Settings:
    return load_settings(
        racing_api_username="demo", racing_api_password="demo", racing_api_base_url="http://sim",
        database_url=engine.url.render_as_string(hide_password=False), log_dir=tmp_path / "logs",
        archive_dir=tmp_path / "archive",
    )


def _app():  # type: ignore[no-untyped-def]
    return create_app(SimulatorConfig(seed=7, today=TODAY, now=lambda: NOW))


async def _fetch(app, settings: Settings, engine: Engine, **options: object):  # type: ignore[no-untyped-def]
    return await run_fetch(
        settings, FetchOptions(**options), engine=engine, transport=httpx.ASGITransport(app=app),
        limiter=RateLimiter(UNLIMITED), today=TODAY,
    )


def _uk_ire(bodies: list[dict]) -> list[dict]:
    return [b for b in bodies if b["region"] in ("GB", "IRE")]


def _count(engine: Engine, table: object, *where: object) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table).where(*where))  # type: ignore[arg-type]


async def test_backfill_matches_the_world_and_reruns_fetch_nothing(engine: Engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path, engine)
    app = _app()
    world = World(seed=7, today=TODAY)
    days = [TODAY - dt.timedelta(days=n) for n in (7, 6, 5, 4)]  # 8 date units: WORKER_MIN_DATE_UNITS, so pages are read in a worker
    report, run_file = await _fetch(app, settings, engine, mode="backfill", start_date=days[0], end_date=days[-1])
    assert report.success, report.failed

    cards = [card for day in days for card in _uk_ire(list(world.racecards(day)))]
    results = [result for day in days for result in _uk_ire(world.results(day))]
    assert _count(engine, ra_mst_races) == len({c["race_id"] for c in cards} | {r["race_id"] for r in results})
    assert _count(engine, ra_mst_runners) == sum(len(c["runners"]) for c in cards)
    assert _count(engine, ra_mst_race_results) == sum(len(r["runners"]) for r in results)
    assert _count(engine, ra_mst_runners, ra_mst_runners.c.is_non_runner.is_(True)) == sum(
        1 for c in cards for r in c["runners"] if r["number"] == "NR"
    )
    with engine.connect() as connection:
        per_race = dict(connection.execute(
            select(ra_mst_runners.c.race_id, func.count()).group_by(ra_mst_runners.c.race_id)
        ).all())
    assert per_race == {c["race_id"]: len(c["runners"]) for c in cards}
    horses = _count(engine, ra_mst_horses)
    assert _count(engine, ra_mst_horses, ra_mst_horses.c.profile_source.is_not(None)) == horses
    assert _count(engine, ra_runner_odds) == sum(len(r["odds"]) for c in cards for r in c["runners"])

    counter = app.state.counter
    assert counter["/v1/racecards/pro"] == len(days)
    assert counter["/v1/results"] == len(days)
    assert counter["/v1/horses/{horse_id}/pro"] == horses
    assert counter["/v1/horses/{horse_id}/standard"] == _count(
        engine, ra_mst_horses, ra_mst_horses.c.profile_source != "pro"
    )
    run = json.loads(run_file.read_text())
    assert run["success"] is True and run["units_done"]["results"] == len(days)
    assert run_file.name.startswith("fetcher_backfill_")
    archived = list(read_archive(Path(run["archive"])))
    assert len(archived) == sum(counter.values())
    assert {r.endpoint for r in archived} >= {"/v1/results", "/v1/racecards/pro", "/v1/horses/{horse_id}/pro"}

    before = dict(counter)
    again, _ = await _fetch(app, settings, engine, mode="backfill", start_date=days[0], end_date=days[-1])
    assert again.success and dict(app.state.counter) == before  # nothing complete is fetched again
    assert _count(engine, ra_mst_runners) == sum(len(c["runners"]) for c in cards)


async def test_failed_units_are_recorded_and_retried(engine: Engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path, engine)
    app = _app()
    day = TODAY - dt.timedelta(days=8)
    failing = {"on": True}

    class Flaky(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.ASGITransport(app=app)

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if failing["on"] and request.url.path == "/v1/results":
                return httpx.Response(503, json={"detail": "down"})
            return await self.inner.handle_async_request(request)

    options = dict(mode="manual", tables=("results",), start_date=day, end_date=day)

    async def fetch(**extra: object):  # type: ignore[no-untyped-def]
        return await run_fetch(settings, FetchOptions(**{**options, **extra}), engine=engine, transport=Flaky(),
                               limiter=RateLimiter(UNLIMITED), retry=RetryPolicy(max_attempts=2, backoff_base=0),
                               today=TODAY)

    report, run_file = await fetch()
    assert not report.success
    assert [(f["job"], f["key"]) for f in report.failed] == [("results", day.isoformat())]
    assert "503" in report.failed[0]["reason"] or "server" in report.failed[0]["reason"].lower()
    assert json.loads(run_file.read_text())["success"] is False
    assert _count(engine, dh_work_units, dh_work_units.c.status == "failed") == 1
    failing["on"] = False
    retried, _ = await fetch(retry_failed=True)
    assert retried.success and retried.units_done["results"] == 1
    assert _count(engine, dh_work_units, dh_work_units.c.status == "failed") == 0
    assert _count(engine, ra_mst_race_results) == sum(len(r["runners"]) for r in _uk_ire(World(7, TODAY).results(day)))


async def test_a_date_whose_results_fail_keeps_its_racecard(engine: Engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path, engine)
    app = _app()
    day = TODAY - dt.timedelta(days=5)

    class ResultsDown(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.ASGITransport(app=app)

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path == "/v1/results":
                return httpx.Response(503, json={"detail": "down"})
            return await self.inner.handle_async_request(request)

    report, _ = await run_fetch(
        settings, FetchOptions(mode="manual", tables=("racecards", "results"), start_date=day, end_date=day),
        engine=engine, transport=ResultsDown(), limiter=RateLimiter(UNLIMITED),
        retry=RetryPolicy(max_attempts=1, backoff_base=0), today=TODAY)
    assert report.units_done == {"racecards": 1}
    assert [(f["job"], f["key"]) for f in report.failed] == [("results", day.isoformat())]
    cards = _uk_ire(World(7, TODAY).racecards(day))
    assert _count(engine, ra_mst_runners) == sum(len(c["runners"]) for c in cards)
    assert _count(engine, ra_mst_race_results) == 0
    assert _count(engine, dh_work_units, dh_work_units.c.status == "done") == 1


async def test_backfill_then_daily_matches_the_world(engine: Engine, tmp_path: Path) -> None:
    """Racecard dates, a results-only date (yesterday) and future cards all land exactly once."""
    settings = _settings(tmp_path, engine)
    app = _app()
    world = World(seed=7, today=TODAY)
    backfilled = [TODAY - dt.timedelta(days=n) for n in (4, 3)]
    backfill, _ = await _fetch(app, settings, engine, mode="backfill", start_date=backfilled[0], end_date=backfilled[-1])
    daily, _ = await _fetch(app, settings, engine, mode="daily", racecard_days=2)
    assert backfill.success and daily.success, (backfill.failed, daily.failed)

    card_days = backfilled + [TODAY + dt.timedelta(days=n) for n in range(3)]
    result_days = backfilled + [TODAY - dt.timedelta(days=n) for n in (2, 1, 0)]
    cards = {c["race_id"]: c for day in card_days for c in _uk_ire(list(world.racecards(day)))}
    results = {r["race_id"]: r for day in result_days for r in _uk_ire(world.results(day))}
    expected_runners = {race: len(card["runners"]) for race, card in cards.items()}
    expected_runners.update({race: len(r["runners"]) for race, r in results.items() if race not in cards})
    with engine.connect() as connection:
        per_race = dict(connection.execute(
            select(ra_mst_runners.c.race_id, func.count()).group_by(ra_mst_runners.c.race_id)
        ).all())
        resulted = set(connection.scalars(select(ra_mst_races.c.id).where(ra_mst_races.c.has_result.is_(True))))
    assert per_race == expected_runners
    assert resulted == set(results)
    assert _count(engine, ra_mst_race_results) == sum(len(r["runners"]) for r in results.values())
    assert _count(engine, ra_mst_horses, ra_mst_horses.c.profile_source.is_(None)) == 0
    assert app.state.counter["/v1/horses/{horse_id}/pro"] == _count(engine, ra_mst_horses)
    assert app.state.counter["/v1/racecards/pro"] == len(backfilled) + 3
    assert app.state.counter["/v1/results"] == len(backfilled) + 3


async def test_a_stop_request_leaves_the_rest_for_the_next_run(engine: Engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path, engine)
    app = _app()
    days = {"start_date": TODAY - dt.timedelta(days=12), "end_date": TODAY - dt.timedelta(days=10)}
    asked: list[int] = []

    def stop_after_one() -> bool:
        asked.append(1)
        return len(asked) > 1

    stopped, run_file = await _fetch(app, settings, engine, mode="manual", tables=("results",), should_stop=stop_after_one,
                                     **days)
    assert (stopped.units_done["results"], stopped.stopped, stopped.success) == (1, 2, False)
    assert json.loads(run_file.read_text())["stopped_units"] == 2
    with engine.connect() as connection:
        assert connection.scalar(select(dh_runs.c.status).order_by(dh_runs.c.id.desc()).limit(1)) == "interrupted"
    resumed, _ = await _fetch(app, settings, engine, mode="manual", tables=("results",), **days)
    assert resumed.success and resumed.units_done["results"] == 2  # the same command resumes: only what was left
    assert _count(engine, dh_work_units, dh_work_units.c.status == "done") == 3


async def test_status_finds_every_value_of_the_last_runs_archive(engine: Engine, tmp_path: Path) -> None:
    """A fetch of two days (racecards and results, with the simulator's real-body habits), then
    ``status`` checks the run's raw archive: every value present in its payloads is stored."""
    from darkhorses.ops.status import build_status

    settings = _settings(tmp_path, engine)
    days = [TODAY - dt.timedelta(days=n) for n in (2, 1)]
    report, _ = await _fetch(_app(), settings, engine, mode="backfill", start_date=days[0], end_date=days[-1])
    assert report.success, report.failed
    status = build_status(engine, now=NOW)
    fidelity = status.fidelity
    assert fidelity is not None and fidelity.archive == report.archive and fidelity.payloads >= 4
    tables = {t.table: t for t in fidelity.tables}
    assert {"ra_mst_races", "ra_mst_runners", "ra_mst_race_results", "ra_mst_horses"} <= set(tables)
    assert fidelity.present == fidelity.stored > 10_000, [t.lost_examples for t in fidelity.tables if t.lost]
    assert status.to_json()["fidelity"]["tables"][0]["lost"] == 0


async def test_the_columns_the_api_never_fills_are_filled_by_the_pipeline(engine: Engine, tmp_path: Path) -> None:
    """Coordinates, pedigree links, racing ages, result stamps and the per-table collection log."""
    settings = _settings(tmp_path, engine)
    app = _app()
    backfill, _ = await _fetch(app, settings, engine, mode="backfill", start_date=TODAY - dt.timedelta(days=2),
                               end_date=TODAY - dt.timedelta(days=1))
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - (connection, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listen)
    daily, _ = await _fetch(app, settings, engine, mode="daily", racecard_days=1)
    event.remove(engine, "before_cursor_execute", listen)
    assert backfill.success and daily.success
    whole_table = [sql for sql in statements if re.search(r"count\(\*\)[^()]*FROM \w+\s*$", sql, re.IGNORECASE)]
    assert len(statements) > 100 and whole_table == []  # no fetch step counts a table: it sums what it wrote
    with engine.connect() as connection:
        courses = connection.execute(
            select(ra_mst_courses.c.name, ra_mst_courses.c.latitude, ra_mst_courses.c.longitude)
            .where(ra_mst_courses.c.region_code.in_(("gb", "ire")))).all()
        sires = connection.execute(select(ra_mst_sires.c.id, ra_mst_sires.c.horse_id)).all()
        ages = connection.execute(select(ra_mst_horses.c.dob, ra_mst_horses.c.age)
                                  .where(ra_mst_horses.c.dob.is_not(None))).all()
        resulted = ra_mst_races.c.has_result.is_(True)
        stamps = {row[0]: row[1:] for row in connection.execute(
            select(resulted, func.count(ra_mst_races.c.result_updated_at), func.count()).group_by(resulted))}
        runner_stamps = connection.execute(
            select(func.count(ra_mst_runners.c.result_updated_at), func.count())
            .select_from(ra_mst_runners.join(ra_mst_races, ra_mst_races.c.id == ra_mst_runners.c.race_id))
            .where(ra_mst_races.c.has_result.is_(True))).one()
        wind = connection.scalar(select(func.count()).where(ra_mst_runners.c.wind_surgery == "w"))
        comments = connection.scalar(select(func.count(ra_mst_races.c.comments)))
        log = connection.execute(select(ra_collection_metadata)).mappings().all()
        tracked = dict(connection.execute(
            select(ra_metadata_tracking.c.table_name, ra_metadata_tracking.c.record_count)).all())
        runs = connection.scalars(select(dh_runs.c.id).order_by(dh_runs.c.id)).all()

    assert len(courses) > 80 and all(lat is not None and lon is not None for _, lat, lon in courses)
    assert sires and all(horse_id == "hrs_" + sire_id.removeprefix("sir_") for sire_id, horse_id in sires)
    assert ages and all(age == TODAY.year - dob.year for dob, age in ages)
    assert stamps[True][0] == stamps[True][1] > 0 and stamps[False][0] == 0 < stamps[False][1]  # cards ahead
    assert runner_stamps[0] == runner_stamps[1] > 0
    assert wind > 0 and comments > 0

    assert {row["metadata"]["run_id"] for row in log} == set(runs)
    assert all(row["status"] == "success" and row["operation"] in ("fetch backfill", "fetch daily") for row in log)
    for table, count in tracked.items():  # new rows add up, run by run, to what the table holds
        assert sum(row["records_inserted"] for row in log if row["table_name"] == table) == count, table
    assert {table: _count(engine, metadata.tables[table]) for table in tracked} == tracked
    assert {"ra_mst_races", "ra_mst_runners", "ra_mst_horses", "ra_runner_odds"} <= set(tracked)

    with engine.begin() as connection:  # the first run of next year: every horse a year older
        assert refresh_ages(connection, dt.date(TODAY.year + 1, 1, 1)) == len(ages)
        assert refresh_ages(connection, dt.date(TODAY.year + 1, 6, 30)) == 0
