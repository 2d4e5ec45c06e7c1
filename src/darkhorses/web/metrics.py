"""``/metrics``: the database's state in the Prometheus text format, read fresh at every scrape.

A custom collector (not process-wide gauges set by the pipeline) because the dashboard is its own
process: the truth is in the database, whichever process wrote it. The counters sum every run's
record, so they only go up while runs are added.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine, Row

from darkhorses.db.sizes import ESTIMATE_FROM_ROWS
from darkhorses.errors import DatabaseError
from darkhorses.ops.status import freshness, ledger, quarantined, require_schema, run_records, table_counts


def _seconds(day: dt.date | None) -> float:
    """A date as Unix seconds at its midnight UTC (NaN when there is none yet)."""
    return dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp() if day else float("nan")


class DatabaseCollector(Collector):
    """Rows per table, latest dates, the last run of each kind, API calls and 429s, failures, quarantine."""

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("darkhorses_database_up", "1 when the database can be read and has DarkHorses tables")
        try:
            engine = self.engine()
            require_schema(engine)
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        with engine.connect() as connection:
            tables = table_counts(connection)
            latest_race, latest_result = freshness(connection)
            jobs = ledger(connection)
            quarantine_count, _ = quarantined(connection, limit=1)
            runs = run_records(connection)
        rows = GaugeMetricFamily("darkhorses_table_rows", f"Rows per table (PostgreSQL's planner estimate for a table of {ESTIMATE_FROM_ROWS:,} rows or more)", labels=["table"])
        for table in tables:
            rows.add_metric([table.name], table.rows)
        yield rows
        yield GaugeMetricFamily("darkhorses_latest_race_date_seconds", "The latest race date (midnight UTC, Unix time)",
                                value=_seconds(latest_race))
        yield GaugeMetricFamily("darkhorses_latest_result_date_seconds",
                                "The latest date with a result (midnight UTC, Unix time)", value=_seconds(latest_result))
        yield from self._last_runs(runs)
        yield from self._api_calls(runs)
        failed = GaugeMetricFamily("darkhorses_units_failed", "Work units whose last attempt failed", labels=["job"])
        for job in jobs:
            failed.add_metric([job.job], job.failed)
        yield failed
        yield GaugeMetricFamily("darkhorses_quarantined_records", "Records quarantined as unparseable",
                                value=quarantine_count)

    @staticmethod
    def _last_runs(runs: list[Row[Any]]) -> Iterator[Metric]:
        """For the newest finished run of each command and mode: success, duration and end time."""
        labels = ["command", "mode"]
        success = GaugeMetricFamily("darkhorses_last_run_success", "1 if the last run succeeded, else 0", labels=labels)
        duration = GaugeMetricFamily("darkhorses_last_run_duration_seconds", "How long the last run took", labels=labels)
        finished = GaugeMetricFamily("darkhorses_last_run_finished_seconds", "When the last run ended (Unix time)",
                                     labels=labels)
        seen = set()
        for run in runs:  # newest first
            key = (run.command, run.mode or "")
            if run.finished_at is None or key in seen:
                continue
            seen.add(key)
            success.add_metric(list(key), 1 if run.status == "succeeded" else 0)
            duration.add_metric(list(key), (run.finished_at - run.started_at).total_seconds())
            finished.add_metric(list(key), run.finished_at.timestamp())
        running = GaugeMetricFamily("darkhorses_runs_running", "Runs in progress",
                                    value=sum(run.status == "running" for run in runs))
        yield from (success, duration, finished, running)

    @staticmethod
    def _api_calls(runs: list[Row[Any]]) -> Iterator[Metric]:
        """Requests, 429 answers and retries per endpoint, summed over every recorded run."""
        helps = {"api_calls": "Racing API requests sent (retries included)", "api_429s": "429 answers received",
                 "api_retries": "Requests sent again after a failure"}
        for key, text in helps.items():
            totals: Counter[str] = Counter()
            for run in runs:
                totals.update((run.summary or {}).get(key, {}))
            family = CounterMetricFamily(f"darkhorses_{key}", text, labels=["endpoint"])
            for endpoint, count in sorted(totals.items()):
                family.add_metric([endpoint], count)
            yield family


def registry(engine: Callable[[], Engine]) -> CollectorRegistry:
    """A registry of its own (not the process-wide default) holding only the database collector."""
    collectors = CollectorRegistry(auto_describe=False)
    collectors.register(DatabaseCollector(engine))
    return collectors
