"""The worker's timetable on a fake clock, its jobs with fake fetch/populate, its lock and its shutdown.

Nothing here waits for a clock or sends a real signal: fire times come from the triggers given a
fixed "now", and a stop is asked for the way the signal handler asks.
"""

from __future__ import annotations

from collections.abc import Callable

import datetime as dt
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from darkhorses.config import Settings, load_settings
from darkhorses.db.schema import dh_locks
from darkhorses.errors import DarkHorsesError
from darkhorses.ingest.controller import FetchOptions, FetchReport
from darkhorses.ingest.planning import plan_units
from darkhorses.db.locks import LockHeld
from darkhorses.stats.populate import PopulateResult
from darkhorses.ops.worker import LOCK_NAME, MISFIRE_GRACE, SCHEDULE, Worker, fire_times, upcoming

UTC = dt.timezone.utc
TODAY = dt.date(2025, 6, 28)
TASKS = {task.name: task for task in SCHEDULE}


def _utc(*fields: int) -> dt.datetime:
    return dt.datetime(*fields, tzinfo=UTC)


def test_a_summer_weekend_on_a_fake_clock() -> None:
    # Saturday 28 June 2025, midnight in London (BST, UTC+1).
    runs = [(when, task.name) for when, task in upcoming(_utc(2025, 6, 27, 23, 0), 12)]
    assert runs == [
        (_utc(2025, 6, 28, 0, 0), "daily"),  # 01:00 London
        (_utc(2025, 6, 28, 6, 0), "racecards"), (_utc(2025, 6, 28, 9, 0), "racecards"),
        (_utc(2025, 6, 28, 12, 0), "racecards"), (_utc(2025, 6, 28, 15, 0), "racecards"),
        (_utc(2025, 6, 28, 18, 0), "racecards"),
        (_utc(2025, 6, 28, 21, 30), "results"),  # 22:30 London
        (_utc(2025, 6, 29, 0, 0), "daily"),
        (_utc(2025, 6, 29, 2, 0), "weekly"),  # Sunday 03:00 London
        (_utc(2025, 6, 29, 6, 0), "racecards"), (_utc(2025, 6, 29, 9, 0), "racecards"),
        (_utc(2025, 6, 29, 12, 0), "racecards"),
    ]
    assert fire_times(TASKS["monthly"].trigger, _utc(2025, 6, 28), 2) == [_utc(2025, 7, 1, 3, 0),
                                                                       _utc(2025, 8, 1, 3, 0)]


def test_the_daily_sync_across_the_clock_changes() -> None:
    """01:00 does not exist on the spring change (it runs at 02:00 BST) and happens twice in autumn
    (it runs twice, which costs one cheap re-sync); every other day it is 01:00 London."""
    daily = TASKS["daily"].trigger
    assert fire_times(daily, _utc(2025, 3, 29), 3) == [_utc(2025, 3, 29, 1), _utc(2025, 3, 30, 1), _utc(2025, 3, 31, 0)]
    assert fire_times(daily, _utc(2025, 10, 25), 4) == [_utc(2025, 10, 25, 0), _utc(2025, 10, 26, 0),
                                                        _utc(2025, 10, 26, 1), _utc(2025, 10, 27, 1)]


def test_each_task_fetches_a_valid_plan() -> None:
    options = {name: task.options(TODAY) for name, task in TASKS.items()}
    assert options == {
        "daily": FetchOptions(mode="daily"),
        "racecards": FetchOptions(mode="manual", tables=("racecards",), start_date=TODAY,
                                  end_date=dt.date(2025, 6, 29)),
        "results": FetchOptions(mode="manual", tables=("results",), days_back=2),
        "weekly": FetchOptions(mode="manual", tables=("horses",), days_back=0, retry_failed=True),
        "monthly": FetchOptions(mode="manual", tables=("regions", "courses"), days_back=0),
    }
    settings = load_settings()
    planned = {name: sorted({unit.job for unit in plan_units(o, settings, TODAY)[0]}) for name, o in options.items()}
    assert planned == {"daily": ["courses", "racecards", "regions", "results"], "racecards": ["racecards"],
                       "results": ["results"], "weekly": [], "monthly": ["courses", "regions"]}


class Pipeline:
    """Fake fetch and populate that record their calls and can misbehave on cue."""

    def __init__(self) -> None:
        self.calls: list[object] = []
        self.worker: Worker | None = None
        self.stop_during_fetch = False
        self.fetch_error: DarkHorsesError | None = None
        self.should_stop: Callable[[], bool] | None = None

    def fetch(self, settings: Settings, options: FetchOptions) -> tuple[FetchReport, Path]:
        self.calls.append(options.mode)
        self.should_stop = options.should_stop
        if self.fetch_error:
            raise self.fetch_error
        if self.stop_during_fetch and self.worker:
            self.worker.request_stop()  # as SIGTERM would, while the job is in flight
        report = FetchReport(mode=options.mode, started_at=_utc(2025, 6, 28))
        return report, Path("logs/run.json")

    def populate(self, engine: Engine, should_stop: Callable[[], bool]) -> PopulateResult:
        self.calls.append("populate")
        self.should_stop = should_stop
        return PopulateResult(TODAY, _utc(2025, 6, 28), False, 0, (), ())


@pytest.fixture
def pipeline(engine: Engine, tmp_path: Path) -> Pipeline:
    fake = Pipeline()
    fake.worker = Worker(load_settings(log_dir=tmp_path / "logs"), engine, fetch=fake.fetch, populate=fake.populate,
                         today=lambda: TODAY)
    return fake


def test_a_job_fetches_then_computes_the_statistics(pipeline: Pipeline) -> None:
    assert pipeline.worker
    pipeline.worker.run_task(TASKS["racecards"])
    assert pipeline.calls == ["manual", "populate"]


def test_a_stop_during_the_fetch_skips_the_statistics(pipeline: Pipeline) -> None:
    assert pipeline.worker
    pipeline.stop_during_fetch = True
    pipeline.worker.run_task(TASKS["daily"])
    assert pipeline.calls == ["daily"]
    assert pipeline.should_stop is not None and pipeline.should_stop()  # the fetch stops between units
    pipeline.worker.run_task(TASKS["results"])  # once stopping, nothing new starts
    assert pipeline.calls == ["daily"]


def test_a_failed_fetch_is_logged_and_the_worker_goes_on(pipeline: Pipeline, caplog: pytest.LogCaptureFixture) -> None:
    assert pipeline.worker
    pipeline.fetch_error = DarkHorsesError("the Racing API refused the credentials")
    pipeline.worker.run_task(TASKS["daily"])
    assert pipeline.calls == ["daily"]
    assert "daily: the Racing API refused the credentials" in caplog.text


def test_the_scheduler_coalesces_misfires_and_runs_one_job_at_a_time(pipeline: Pipeline) -> None:
    assert pipeline.worker
    scheduler = pipeline.worker.scheduler()
    scheduler.start(paused=True)  # applies the job defaults; nothing runs while paused
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {*TASKS, "heartbeat"}
        assert {(job.coalesce, job.max_instances, job.misfire_grace_time) for job in jobs.values()} == {
            (True, 1, MISFIRE_GRACE.total_seconds())}
        assert jobs["heartbeat"].executor == "heartbeat" and jobs["daily"].executor == "default"
        assert scheduler._executors["default"]._pool._max_workers == 1
        assert str(scheduler.timezone) == "Europe/London"
    finally:
        scheduler.shutdown(wait=False)


class FakeScheduler:
    """Records start and shutdown; a stop arrives while the scheduler runs."""

    def __init__(self, worker: Worker, engine: Engine) -> None:
        self.worker, self.engine = worker, engine
        self.calls: list[object] = []

    def _lock_holder(self) -> str | None:
        with self.engine.connect() as connection:
            return connection.scalar(select(dh_locks.c.holder).where(dh_locks.c.name == LOCK_NAME))

    def start(self) -> None:
        self.calls.append(("start", self._lock_holder()))
        self.worker.request_stop()

    def shutdown(self, wait: bool) -> None:
        self.calls.append(("shutdown", wait))


def test_serve_holds_the_lock_and_waits_for_the_job_in_flight(pipeline: Pipeline, engine: Engine) -> None:
    worker = pipeline.worker
    assert worker
    fake = FakeScheduler(worker, engine)
    worker.serve(fake)  # type: ignore[arg-type]
    assert fake.calls == [("start", worker.holder), ("shutdown", True)]
    assert fake._lock_holder() is None


@pytest.fixture
def other_worker(engine: Engine) -> Iterator[Worker]:
    other = Worker(load_settings(), engine)
    other.holder = "elsewhere pid 1"
    yield other


def test_one_worker_per_database(pipeline: Pipeline, engine: Engine, other_worker: Worker) -> None:
    assert pipeline.worker
    holding = FakeScheduler(other_worker, engine)
    taken: list[str] = []

    def start() -> None:
        with pytest.raises(LockHeld, match="another worker is running on this database \\(elsewhere pid 1"):
            pipeline.worker.serve(FakeScheduler(pipeline.worker, engine))  # type: ignore[union-attr, arg-type]
        taken.append("refused")
        other_worker.request_stop()

    holding.start = start  # type: ignore[method-assign]
    other_worker.serve(holding)  # type: ignore[arg-type]
    assert taken == ["refused"]


def test_a_dead_workers_lock_is_taken_over_and_the_old_one_stops(pipeline: Pipeline, engine: Engine,
                                                                  other_worker: Worker) -> None:
    worker = pipeline.worker
    assert worker
    stale = dt.datetime.now(UTC) - dt.timedelta(minutes=6)
    with engine.begin() as connection:
        connection.execute(dh_locks.insert().values(name=LOCK_NAME, holder=other_worker.holder, acquired_at=stale,
                                                    heartbeat_at=stale))
    fake = FakeScheduler(worker, engine)
    worker.serve(fake)  # type: ignore[arg-type]
    assert fake.calls[0] == ("start", worker.holder)
    other_worker.beat()
    assert other_worker.stopping


def test_the_heartbeat_keeps_the_lock(pipeline: Pipeline, engine: Engine) -> None:
    worker = pipeline.worker
    assert worker
    old = dt.datetime.now(UTC) - dt.timedelta(minutes=3)
    with engine.begin() as connection:
        connection.execute(dh_locks.insert().values(name=LOCK_NAME, holder=worker.holder, acquired_at=old,
                                                    heartbeat_at=old))
    worker.beat()
    with engine.connect() as connection:
        assert connection.scalar(select(dh_locks.c.heartbeat_at)) > old
    assert not worker.stopping
    with engine.begin() as connection:
        connection.execute(update(dh_locks).values(holder="someone else"))
    worker.beat()
    assert worker.stopping


def test_sigterm_and_sigint_ask_for_a_stop(pipeline: Pipeline) -> None:
    worker = pipeline.worker
    assert worker
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.install_signal_handlers()
        handler = signal.getsignal(signal.SIGTERM)
        assert handler == worker.request_stop and signal.getsignal(signal.SIGINT) == worker.request_stop
        handler(signal.SIGTERM, None)  # type: ignore[operator, misc]
        assert worker.stopping
    finally:
        for signum, previous in saved.items():
            signal.signal(signum, previous)
