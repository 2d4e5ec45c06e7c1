"""Fetch's jobs as ``darkhorses fetch --list-tables`` shows them: each job, where it comes from,
its tables and the modes that run it."""

from __future__ import annotations

from dataclasses import dataclass

from darkhorses.ingest.planning import JOBS

SOURCES = {
    "regions": "/v1/courses/regions",
    "courses": "/v1/courses",
    "racecards": "/v1/racecards/pro (one call per date)",
    "results": "/v1/results (one call per date per page)",
    "horses": "/v1/horses/{id}/pro, else /standard (once per new horse)",
}
MODES_LOADING = {
    "regions": "backfill, daily (monthly), manual",
    "courses": "backfill, daily (monthly), manual",
    "racecards": "backfill (from 2023-01-23), daily (today + N days), manual",
    "results": "backfill, daily (last 3 days), manual",
    "horses": "every mode (new horses only)",
}


@dataclass(frozen=True)
class FetchJob:
    """One of fetch's jobs: the endpoint it reads, the tables it loads, the modes that run it."""

    name: str
    source: str
    tables: tuple[str, ...]
    modes: str


def fetch_jobs() -> list[FetchJob]:
    """Fetch's jobs in the order a run does them; ``tables=`` of a fetch takes a job's name or any
    of its tables."""
    return [FetchJob(job, SOURCES[job], tables, MODES_LOADING[job]) for job, tables in JOBS.items()]
