"""What each dashboard page shows, as plain JSON-ready data.

The HTML page and its JSON twin (``/api/<page>``) are rendered from the same dictionary, so they
can never disagree. The reads are the ones ``status`` and ``health`` use (:mod:`darkhorses.ops`),
plus the few grouped queries in :mod:`darkhorses.web.queries`; the racecards page is
:func:`darkhorses.ops.card.build_card` itself (one ``run`` relation per request, as ``darkhorses card``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy.engine import Engine, Row

from darkhorses.db.engine import describe
from darkhorses.london import LONDON
from darkhorses.ops.card import Card, NoRacecards, build_card
from darkhorses.ops.health import check_health
from darkhorses.ops.inventory import build_inventory
from darkhorses.ops.status import (
    RUN_LIMIT,
    enrichment,
    failed_units,
    freshness,
    jsonable,
    last_success,
    ledger,
    quarantined,
    require_schema,
    run_records,
    table_counts,
)
from darkhorses.stats.status import status as statistics_status
from darkhorses.web.queries import PEOPLE, races_per_day, search_people, units_finished_since

RATE_WINDOW = dt.timedelta(minutes=10)
"""Rates are units finished per minute over this window (or since the running fetch began, if later)."""
USAGE_DAYS = 30
DAILY_POINTS_MAX = 400
"""Above this many days the races chart shows weeks, and above five times as many, months."""
START_HINT = "run `darkhorses fetch --mode backfill --start-date YYYY-MM-DD` (or `darkhorses demo` to try it offline)"


def _run(row: Row[Any]) -> dict[str, Any]:
    """One run as the pages show it: outcome, duration, rows written per table, API calls."""
    summary = row.summary or {}
    tables = summary.get("tables", {})
    return {
        "id": row.id, "command": row.command, "mode": row.mode, "status": row.status,
        "started_at": row.started_at, "finished_at": row.finished_at,
        "duration_seconds": round((row.finished_at - row.started_at).total_seconds(), 1) if row.finished_at else None,
        "tables": tables, "rows_written": sum(tables.values()),
        "api_calls": sum(summary.get("api_calls", {}).values()),
        "error": row.error.splitlines()[0] if row.error else None,
    }


def overview(engine: Engine, now: dt.datetime) -> dict[str, Any]:
    """The health verdict, every table's freshness, the last runs, failed units and quarantined records."""
    revision = require_schema(engine)
    health = check_health(engine, now)
    with engine.connect() as connection:
        tables = table_counts(connection)
        latest_race, latest_result = freshness(connection)
        daily = last_success(connection)
        failed_count, failed = failed_units(connection)
        quarantine_count, quarantine = quarantined(connection)
        runs = [_run(row) for row in run_records(connection, limit=RUN_LIMIT)]
    return jsonable({
        "generated_at": now, "database": describe(engine.url), "revision": revision,
        "empty": not runs and not latest_race, "hint": START_HINT,
        "health": {"ok": health.ok, "verdict": "healthy" if health.ok else "unhealthy",
                   "problems": health.problems, "summary": health.summary if health.ok else None},
        "latest_race_date": latest_race, "latest_result_date": latest_result, "last_daily_success": daily,
        "tables": [{"name": t.name, "rows": t.rows, "estimated": t.estimated, "last_updated": t.last_updated,
                    "age_hours": round((now - t.last_updated).total_seconds() / 3600, 1) if t.last_updated else None}
                   for t in tables],
        "runs": runs,
        "failed_units": {"count": failed_count, "units": [vars(unit) for unit in failed]},
        "quarantine": {"count": quarantine_count, "records": [vars(record) for record in quarantine]},
    })


def backfill(engine: Engine, now: dt.datetime) -> dict[str, Any]:
    """Ledger progress per job, the recent rate and the time left; the running fetch, if any."""
    require_schema(engine)
    with engine.connect() as connection:
        jobs = ledger(connection)
        running = [_run(row) | {"pid": row.pid, "host": row.host}
                   for row in run_records(connection, limit=RUN_LIMIT) if row.status == "running"]
        since = max([now - RATE_WINDOW, *(run["started_at"] for run in running)])
        finished = units_finished_since(connection, since)
    minutes = max((now - since).total_seconds() / 60, 1 / 60)
    rows = []
    for job in jobs:
        total = job.done + job.failed + job.pending
        rate = finished.get(job.job, 0) / minutes
        rows.append({
            "job": job.job, "done": job.done, "failed": job.failed, "pending": job.pending, "total": total,
            "percent": round(100 * job.done / total, 1) if total else 100.0,
            "finished_recently": finished.get(job.job, 0), "rate_per_minute": round(rate, 1),
            "eta_seconds": round(job.pending / rate * 60) if rate and job.pending else None,
        })
    return jsonable({"generated_at": now, "rate_since": since, "running": running, "jobs": rows,
                     "empty": not jobs and not running, "hint": START_HINT})


def _buckets(days: list[tuple[dt.date, int, int]]) -> tuple[str, list[dict[str, Any]]]:
    """Days, or weeks (from Monday) or months when the stored range is too long to show day by day."""
    span = (days[-1][0] - days[0][0]).days + 1 if days else 0
    unit = "day" if span <= DAILY_POINTS_MAX else "week" if span <= 5 * DAILY_POINTS_MAX else "month"
    races: Counter[dt.date] = Counter()
    runners: Counter[dt.date] = Counter()
    for day, race_count, runner_count in days:
        start = day if unit == "day" else day - dt.timedelta(days=day.weekday()) if unit == "week" else day.replace(day=1)
        races[start] += race_count
        runners[start] += runner_count
    return unit, [{"date": start, "races": races[start], "runners": runners[start]} for start in sorted(races)]


def data(engine: Engine, now: dt.datetime) -> dict[str, Any]:
    """Races and runners over the stored range, every column's fill, and horses by profile."""
    require_schema(engine)
    with engine.connect() as connection:
        days = races_per_day(connection)
        horses = enrichment(connection)
    unit, points = _buckets(days)
    inventory = build_inventory(engine)
    return jsonable({
        "generated_at": now, "empty": not days, "hint": START_HINT,
        "range": {"first": days[0][0] if days else None, "last": days[-1][0] if days else None, "bucket": unit},
        "races_per_day": points,
        "tables": [{"name": table["name"], "rows": table["rows"], "estimated": table["estimated"],
                    "columns": [{key: column.get(key) for key in ("name", "source", "non_null", "fill_pct",
                                                                  "expected_fill")} for column in table["columns"]]}
                   for table in inventory["tables"]],
        "enrichment": vars(horses) | {"with_profile": horses.with_profile, "without_profile": horses.without_profile},
    })


def api_usage(engine: Engine, now: dt.datetime, days: int = USAGE_DAYS) -> dict[str, Any]:
    """API calls, 429 answers and retries per endpoint and per London day, from the runs' records."""
    require_schema(engine)
    first = (now.astimezone(LONDON) - dt.timedelta(days=days - 1)).date()
    since = dt.datetime.combine(first, dt.time(), LONDON)
    with engine.connect() as connection:
        records = [row for row in run_records(connection, since=since) if row.summary]
    dates = [first + dt.timedelta(days=n) for n in range(days)]
    counts = {key: Counter[tuple[str, dt.date]]() for key in ("api_calls", "api_429s", "api_retries")}
    unrecorded = 0
    for row in records:
        day = row.started_at.astimezone(LONDON).date()
        unrecorded += "api_429s" not in row.summary
        for key, counter in counts.items():
            for endpoint, count in row.summary.get(key, {}).items():
                counter[endpoint, day] += count
    endpoints = sorted({endpoint for counter in counts.values() for endpoint, _ in counter})
    return jsonable({
        "generated_at": now, "days": days, "first_day": first, "runs": len(records), "empty": not records,
        "hint": START_HINT, "runs_without_429_counts": unrecorded,
        "dates": dates,
        "endpoints": [{"endpoint": endpoint,
                       **{key: sum(counter[endpoint, day] for day in dates) for key, counter in counts.items()},
                       "calls_per_day": [counts["api_calls"][endpoint, day] for day in dates]}
                      for endpoint in endpoints],
        "per_day": [{"date": day, **{key: sum(counter[e, day] for e in endpoints) for key, counter in counts.items()}}
                    for day in dates],
    })


def statistics(engine: Engine, now: dt.datetime, kind: str = "sires", text: str = "") -> dict[str, Any]:
    """Each statistics table's rows and last computation; sires, jockeys or trainers matching ``text``."""
    require_schema(engine)
    kind = kind if kind in PEOPLE else "sires"
    tables = statistics_status(engine)
    with engine.connect() as connection:
        found = search_people(connection, kind, text.strip())
    return jsonable({
        "generated_at": now, "empty": not any(table.rows for table in tables),
        "hint": "run `darkhorses populate` once some results are in",
        "tables": [{"table": t.table, "category": t.category, "rows": t.rows, "last_computed": t.last_computed,
                    "columns": len(t.fill), "filled_columns": sum(1 for share in t.fill.values() if share > 0)}
                   for t in tables],
        "search": {"kind": kind, "kinds": list(PEOPLE), "text": text, "columns": ["name", *PEOPLE[kind][1]],
                   "rows": found},
    })


def card(engine: Engine, now: dt.datetime, day: dt.date | None = None, course: str | None = None,
         race: str | None = None) -> dict[str, Any]:
    """The racecards of ``day`` (default today, London): exactly :meth:`Card.to_json` of
    :func:`~darkhorses.ops.card.build_card`, plus ``empty``; a day with nothing stored is an empty
    card whose ``hint`` says what to fetch."""
    require_schema(engine)
    day = day or now.astimezone(LONDON).date()
    try:
        return {"empty": False} | build_card(engine, day, course=course, race_id=race).to_json()
    except NoRacecards as exc:
        return {"empty": True, "hint": str(exc)} | Card(day, ()).to_json()
