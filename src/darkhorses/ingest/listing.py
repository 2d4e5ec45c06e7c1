"""The text of ``darkhorses fetch --list-tables``: each job, where it comes from, its tables and modes."""

from __future__ import annotations

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


def jobs_listing() -> str:
    """Every job: its endpoint, the tables it loads and the modes that load it."""
    return "\n".join(f"{job:10} {SOURCES[job]}\n{'':10} tables: {', '.join(loaded)}\n{'':10} modes: {MODES_LOADING[job]}"
                     for job, loaded in JOBS.items())
