"""A fetch's run record: the report it keeps, its ``dh_runs`` row, and finding the run it resumes."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from darkhorses.db.schema import dh_runs
from darkhorses.errors import signal_exit_code
from darkhorses.ingest.collection import record_tables
from darkhorses.ingest.planning import FetchOptions

STOP_REQUEST = "a stop request"
"""What interrupted a run whose ``should_stop`` said so (the worker shutting down)."""
RESUME_LOOKBACK = 50
"""Runs of a mode searched for the last one of the same command."""
RESUME_WITHIN = dt.timedelta(hours=6)
"""How recent an interrupted run must be for the same command to resume it rather than start afresh."""


@dataclass
class FetchReport:
    """What a run did; also written as the JSON run file."""

    mode: str
    started_at: dt.datetime
    notes: list[str] = field(default_factory=list)
    written: Counter[str] = field(default_factory=Counter)
    added: Counter[str] = field(default_factory=Counter)
    """Rows each table gained (new less deleted), for ``ra_metadata_tracking``."""
    api_calls: Counter[str] = field(default_factory=Counter)
    api_429s: Counter[str] = field(default_factory=Counter)
    api_retries: Counter[str] = field(default_factory=Counter)
    units_done: Counter[str] = field(default_factory=Counter)
    failed: list[dict[str, str]] = field(default_factory=list)
    quarantined: int = 0
    unparsed: Counter[str] = field(default_factory=Counter)
    unknown_fields: Counter[str] = field(default_factory=Counter)
    finished_at: dt.datetime | None = None
    error: str | None = None
    archive: str | None = None
    stopped: int = 0
    """Units not done because the run stopped early (a signal, a stop request, a dead API); the
    ledger has them as not done."""
    interrupted_by: str | None = None
    """``SIGINT``, ``SIGTERM`` or :data:`STOP_REQUEST`."""
    planned: int = 0
    """Units this run set out to do (after skipping those done), enrichment included once listed."""
    options: dict[str, Any] = field(default_factory=dict)
    resume_since: dt.datetime | None = None
    """When resuming: the start of the first interrupted run of this command; its done units are skipped."""

    @property
    def success(self) -> bool:
        return self.error is None and not self.failed and not self.stopped and self.interrupted_by is None

    @property
    def status(self) -> str:
        """``dh_runs.status``: succeeded, failed (an error or failed units) or interrupted."""
        if self.interrupted_by is not None and self.error is None:
            return "interrupted"
        return "succeeded" if self.success else "failed"

    @property
    def units_left(self) -> int:
        return self.stopped

    @property
    def exit_code(self) -> int:
        """0 on success; 130 or 143 after SIGINT or SIGTERM, as the shell would say; else 1."""
        if self.success:
            return 0
        return signal_exit_code(self.interrupted_by or "") if self.status == "interrupted" else 1

    def stopped_line(self) -> str:
        """One line for an interrupted run: what was done, what is left, how to resume."""
        done = sum(self.units_done.values())
        total = done + len(self.failed) + self.stopped
        jobs = ", ".join(f"{job} {count}" for job, count in sorted(self.units_done.items()) if count)
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return (f"interrupted by {self.interrupted_by}: {done} of {total} units done"
                f"{f' ({jobs})' if jobs else ''}{failed}, {self.stopped} left; run the same command again to resume")

    def to_json(self) -> dict[str, Any]:
        finished = self.finished_at or dt.datetime.now(dt.timezone.utc)
        return {
            "mode": self.mode,
            "status": self.status,
            "success": self.success,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": finished.isoformat(timespec="seconds"),
            "duration_seconds": round((finished - self.started_at).total_seconds(), 3),
            "notes": self.notes,
            "tables": dict(sorted(self.written.items())),
            "api_calls": dict(sorted(self.api_calls.items())),
            "api_429s": dict(sorted(self.api_429s.items())),
            "api_retries": dict(sorted(self.api_retries.items())),
            "units_done": dict(sorted(self.units_done.items())),
            "failed_units": self.failed,
            "quarantined_records": self.quarantined,
            "unparsed_values": dict(sorted(self.unparsed.items())),
            "unknown_fields": dict(sorted(self.unknown_fields.items())),
            "archive": self.archive,
            "stopped_units": self.stopped,
            "units_left": self.units_left,
            "interrupted_by": self.interrupted_by,
            "options": self.options,
            "resume_since": self.resume_since.isoformat() if self.resume_since else None,
            "error": self.error,
        }


def resume_since(engine: Engine, options: FetchOptions, now: dt.datetime) -> dt.datetime | None:
    """When this command's last run stopped early (and started less than :data:`RESUME_WITHIN`
    before ``now``): the start of the first run of that streak, from which every done unit need
    not be fetched again. None: start afresh (an older run's recent dates have changed since)."""
    signature = options.signature()
    query = (select(dh_runs.c.started_at, dh_runs.c.summary)
             .where(dh_runs.c.command == "fetch", dh_runs.c.mode == options.recorded_mode,
                    dh_runs.c.status != "running")
             .order_by(dh_runs.c.id.desc()).limit(RESUME_LOOKBACK))
    with engine.connect() as connection:
        for started, summary in connection.execute(query):
            if (summary or {}).get("options") != signature:
                continue
            if not summary.get("units_left"):
                return None
            since = dt.datetime.fromisoformat(summary["resume_since"]) if summary.get("resume_since") else started
            return since if now - since < RESUME_WITHIN else None
    return None


def start_run(engine: Engine, mode: str, started: dt.datetime) -> int:
    with engine.begin() as connection:
        return connection.execute(
            insert(dh_runs).values(command="fetch", mode=mode, status="running", started_at=started, pid=os.getpid(),
                                   host=socket.gethostname()).returning(dh_runs.c.id)
        ).scalar_one()


def finish_run(engine: Engine, run_id: int, report: FetchReport) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    with engine.begin() as connection:
        connection.execute(
            update(dh_runs).where(dh_runs.c.id == run_id).values(
                status=report.status, success=report.success, finished_at=now,
                summary=report.to_json(), error=report.error)
        )
        record_tables(connection, run_id=run_id, mode=report.mode, written=report.written, added=report.added,
                      success=report.success, error=report.error, now=now)
