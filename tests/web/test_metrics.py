"""``/metrics``: the Prometheus text holds the database's numbers, read at each scrape."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine

from .conftest import Client, url_of


async def _scrape(client: object) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")  # type: ignore[attr-defined]
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def _midnight(day: str) -> float:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc).timestamp()


async def test_metrics_hold_the_database_numbers(dashboard_db: Engine, make_client: Client) -> None:
    metrics = await _scrape(make_client(url_of(dashboard_db)))
    assert metrics["darkhorses_database_up", ()] == 1
    assert metrics["darkhorses_table_rows", (("table", "ra_mst_runners"),)] == 5
    assert metrics["darkhorses_table_rows", (("table", "dh_quarantine"),)] == 1
    assert metrics["darkhorses_latest_race_date_seconds", ()] == _midnight("2025-10-21")
    assert metrics["darkhorses_latest_result_date_seconds", ()] == _midnight("2025-10-15")
    daily, manual = (("command", "fetch"), ("mode", "daily")), (("command", "fetch"), ("mode", "manual"))
    assert metrics["darkhorses_last_run_success", daily] == 1 and metrics["darkhorses_last_run_success", manual] == 0
    assert metrics["darkhorses_last_run_duration_seconds", daily] == 600
    assert metrics["darkhorses_api_calls_total", (("endpoint", "/v1/results"),)] == 7
    assert metrics["darkhorses_api_calls_total", (("endpoint", "/v1/horses/{horse_id}/pro"),)] == 3
    assert metrics["darkhorses_api_429s_total", (("endpoint", "/v1/results"),)] == 2
    assert metrics["darkhorses_api_retries_total", (("endpoint", "/v1/results"),)] == 2
    assert metrics["darkhorses_units_failed", (("job", "results"),)] == 1
    assert metrics["darkhorses_units_failed", (("job", "horses"),)] == 0
    assert metrics["darkhorses_quarantined_records", ()] == 1
    assert metrics["darkhorses_runs_running", ()] == 0


async def test_an_empty_database_is_down_not_an_error(tmp_path: Path, make_client: Client) -> None:
    metrics = await _scrape(make_client(f"sqlite:///{tmp_path / 'none.db'}"))
    assert metrics == {("darkhorses_database_up", ()): 0}


async def test_a_migrated_empty_database_has_zero_rows(engine: Engine, make_client: Client) -> None:
    metrics = await _scrape(make_client(url_of(engine)))
    assert metrics["darkhorses_database_up", ()] == 1
    assert metrics["darkhorses_table_rows", (("table", "ra_mst_races"),)] == 0
    assert metrics["darkhorses_quarantined_records", ()] == 0
    assert not [name for name, _ in metrics if name.startswith("darkhorses_api_")]
