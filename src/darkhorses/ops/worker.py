"""``darkhorses worker``: the pipeline on a timetable, in one long-running process per database.

The timetable is London time, as racing is: the daily sync at 01:00, racecard refreshes through
the racing day (non-runners, going, jockeys, odds), an evening results re-sync, a weekly pass
that retries failed units and enriches horses still without a profile, and a monthly refresh of
courses and regions. The statistics are recomputed after every sync. Jobs run one at a time on
one thread (two syncs on one database would only queue on the fetch lock); a job that missed
its time while another ran, or while the machine slept, runs once when it can (misfires
coalesced) if it is less than an hour late.

After each fetch, run files older than ``DARKHORSES_RUN_FILE_RETENTION_DAYS`` are deleted.

On SIGTERM or SIGINT the worker starts nothing new and waits for the job in flight: its fetch
finishes the units in flight, starts no other and is recorded as interrupted (the same job
resumes it next time); its statistics finish the tables being computed and skip the rest, or
are skipped altogether if not reached. The lock is then released and the worker exits 0 (a
stop is how a service ends). Each fetch unit commits with its ledger entry, so even a process
killed after its grace period loses at most the unit in flight.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from darkhorses.config import Settings
from darkhorses.errors import DarkHorsesError
from darkhorses.ingest.controller import FetchOptions, FetchReport
from darkhorses.ingest.controller import fetch as run_fetch
from darkhorses.db.locks import database_lock, heartbeat, lock_holder
from darkhorses.london import LONDON, london_today
from darkhorses.ops import alerts
from darkhorses.stats.populate import PopulateResult
from darkhorses.stats.populate import populate as run_populate

log = logging.getLogger(__name__)

LOCK_NAME = "worker"
HEARTBEAT = dt.timedelta(minutes=1)
LOCK_STALE_AFTER = dt.timedelta(minutes=5)
"""A worker whose heartbeat is this old is dead; a new one may take the database over."""
MISFIRE_GRACE = dt.timedelta(hours=1)

Fetch = Callable[[Settings, FetchOptions], tuple[FetchReport, Path]]
Populate = Callable[..., PopulateResult]
"""``populate(engine, should_stop=...)``."""


@dataclass(frozen=True)
class Task:
    """One scheduled sync: when it fires and what it fetches (given London's date)."""

    name: str
    description: str
    trigger: CronTrigger
    options: Callable[[dt.date], FetchOptions]


def _cron(**fields: object) -> CronTrigger:
    return CronTrigger(timezone=LONDON, **fields)  # type: ignore[arg-type]


def _racecards(today: dt.date) -> FetchOptions:
    return FetchOptions(mode="manual", tables=("racecards",), start_date=today, end_date=today + dt.timedelta(days=1))


SCHEDULE: tuple[Task, ...] = (
    Task("daily", "daily sync: racecards ahead, results of the last three days, new horses",
         _cron(hour=1, minute=0), lambda today: FetchOptions(mode="daily")),
    Task("racecards", "racecard refresh for today and tomorrow",
         _cron(hour="7-19/3", minute=0), _racecards),
    Task("results", "evening results re-sync of the last three days",
         _cron(hour=22, minute=30), lambda today: FetchOptions(mode="manual", tables=("results",), days_back=2)),
    Task("weekly", "retry failed units; enrich horses without a profile",
         _cron(day_of_week="sun", hour=3, minute=0),
         lambda today: FetchOptions(mode="manual", tables=("horses",), days_back=0, retry_failed=True)),
    Task("monthly", "courses and regions refresh",
         _cron(day=1, hour=4, minute=0),
         lambda today: FetchOptions(mode="manual", tables=("regions", "courses"), days_back=0)),
)


def fire_times(trigger: CronTrigger, after: dt.datetime, count: int) -> list[dt.datetime]:
    """The next ``count`` fire times from ``after``, in UTC (London's clock changes resolved)."""
    times: list[dt.datetime] = []
    previous: dt.datetime | None = None
    now = after
    while len(times) < count:
        previous = trigger.get_next_fire_time(previous, now).astimezone(dt.timezone.utc)
        times.append(previous)
        now = previous + dt.timedelta(seconds=1)
    return times


def upcoming(after: dt.datetime, count: int, schedule: tuple[Task, ...] = SCHEDULE) -> list[tuple[dt.datetime, Task]]:
    """The next ``count`` runs of the whole schedule, soonest first."""
    runs = [(when, task) for task in schedule for when in fire_times(task.trigger, after, count)]
    return sorted(runs, key=lambda run: run[0])[:count]


class Worker:
    """Runs :data:`SCHEDULE` against one database until asked to stop.

    ``fetch`` and ``populate`` default to the real pipeline; tests pass fakes.
    """

    def __init__(self, settings: Settings, engine: Engine, *, fetch: Fetch = run_fetch,
                 populate: Populate = run_populate, today: Callable[[], dt.date] = london_today) -> None:
        self.settings, self.engine, self.today = settings, engine, today
        self.fetch, self.populate = fetch, populate
        self.holder = lock_holder()
        self._stop = threading.Event()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def request_stop(self, signum: int | None = None, frame: object = None) -> None:
        """Start nothing new; :meth:`serve` returns once the job in flight is done. A signal handler."""
        if not self.stopping:
            log.info("stopping%s: finishing the unit in flight", f" on {signal.Signals(signum).name}" if signum else "")
        self._stop.set()

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.request_stop)

    def run_task(self, task: Task) -> None:
        """One scheduled job: the fetch, then the statistics, unless a stop was asked for."""
        if self.stopping:
            return
        log.info("%s: starting (%s)", task.name, task.description)
        try:
            options = replace(task.options(self.today()), should_stop=lambda: self.stopping)
            report, path = self.fetch(self.settings, options)
        except DarkHorsesError as exc:
            log.error("%s: %s", task.name, exc)
            return
        log.info("%s: fetch %s, %d rows written (%s)", task.name, report.status, sum(report.written.values()), path)
        if report.status == "interrupted":
            log.info("%s: %s", task.name, report.stopped_line())
        if self.stopping:
            log.info("%s: statistics skipped for shutdown; the next job computes them", task.name)
            return
        try:
            with alerts.watch_populate(self.settings, self.engine) as watch:
                result = self.populate(self.engine, should_stop=lambda: self.stopping)
                watch.interrupted = bool(result.left)
        except DarkHorsesError as exc:
            log.error("%s: populate: %s", task.name, exc)
            return
        if result.left:
            log.info("%s: statistics interrupted for shutdown; %d tables keep their previous contents until the "
                     "next job", task.name, len(result.left))
            return
        log.info("%s: statistics computed", task.name)

    def beat(self) -> None:
        """Keep the worker lock; if another worker took it over, this one stops."""
        if not heartbeat(self.engine, LOCK_NAME, self.holder):
            log.error("the worker lock was taken over by another process; stopping")
            self.request_stop()

    def scheduler(self) -> BackgroundScheduler:
        """The configured scheduler: one thread for jobs, one for the heartbeat, misfires coalesced."""
        scheduler = BackgroundScheduler(
            timezone=LONDON,
            executors={"default": ThreadPoolExecutor(1), "heartbeat": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(MISFIRE_GRACE.total_seconds())},
        )
        for task in SCHEDULE:
            scheduler.add_job(self.run_task, task.trigger, args=(task,), id=task.name, name=task.description)
        scheduler.add_job(self.beat, IntervalTrigger(seconds=int(HEARTBEAT.total_seconds())), id="heartbeat",
                          name="worker lock heartbeat", executor="heartbeat")
        return scheduler

    def serve(self, scheduler: BaseScheduler | None = None) -> None:
        """Hold the database's worker lock and run the schedule until :meth:`request_stop`."""
        with database_lock(self.engine, LOCK_NAME, self.holder, stale_after=LOCK_STALE_AFTER):
            scheduler = scheduler or self.scheduler()
            scheduler.start()
            when, task = upcoming(dt.datetime.now(dt.timezone.utc), 1)[0]
            log.info("worker started (%s); next: %s at %s", self.holder, task.name,
                     when.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %Z"))
            self._stop.wait()
            scheduler.shutdown(wait=True)
        log.info("worker stopped")
