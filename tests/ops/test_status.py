"""``status`` reports rows, freshness, the ledger, runs, enrichment and checks exactly, on both engines."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from darkhorses.db.schema import ra_mst_courses
from darkhorses.errors import DatabaseError
from darkhorses.ops.status import Enrichment, FailedUnit, JobLedger, build_status

from .conftest import NOW, TODAY, add_failed_unit, add_rows, add_run


def test_status_of_the_seeded_database(seeded: Engine) -> None:
    add_failed_unit(seeded, "2025-10-18", NOW - dt.timedelta(hours=1), "server error 503\nretry later")
    add_run(seeded, finished=NOW - dt.timedelta(hours=1), mode="manual", success=False, error="1 unit failed")
    report = build_status(seeded, now=NOW)

    tables = {t.name: t for t in report.tables}
    assert (tables["ra_mst_runners"].rows, tables["ra_mst_races"].rows, tables["ra_mst_horses"].rows) == (5, 2, 3)
    assert tables["dh_runs"].last_updated == NOW - dt.timedelta(hours=1)
    assert tables["dh_locks"] == type(tables["dh_locks"])("dh_locks", 0, None)
    assert [t.name for t in report.tables] == sorted(tables)
    assert (report.latest_race_date, report.latest_result_date) == (TODAY + dt.timedelta(days=1),
                                                                    TODAY - dt.timedelta(days=5))
    assert report.last_daily_success == NOW - dt.timedelta(hours=2)
    assert report.ledger == (JobLedger("horses", done=1, failed=0, pending=1),
                             JobLedger("results", done=1, failed=1, pending=0))
    assert report.failed_count == 1
    assert report.failed_units == (FailedUnit("results", "2025-10-18", 2, "server error 503\nretry later",
                                              NOW - dt.timedelta(hours=1)),)
    assert [(r.mode, r.status, r.rows_written, r.error) for r in report.runs] == [
        ("manual", "failed", 7, "1 unit failed"), ("daily", "succeeded", 7, None)]
    assert report.enrichment == Enrichment(pro=1, standard=1, none=0, pending=1)
    assert all(check.ok for check in report.checks) and len(report.checks) == 5


def test_status_json_is_plain_data(seeded: Engine) -> None:
    data = build_status(seeded, now=NOW).to_json()
    assert data["latest_race_date"] == "2025-10-21"
    assert data["last_daily_success"] == "2025-10-20T10:00:00+00:00"
    assert data["enrichment"] == {"pro": 1, "standard": 1, "none": 0, "pending": 1, "with_profile": 2,
                                  "without_profile": 1}
    assert data["checks"][0] == {"name": "field_size", "description": "races of the last 30 days and ahead "
                                 "whose runners differ from the declared field size", "ok": True, "count": 0, "examples": []}
    assert data["database"] == seeded.url.render_as_string(hide_password=True)


def test_status_of_an_empty_database(engine: Engine) -> None:
    report = build_status(engine, now=NOW)
    assert all(t.rows == 0 for t in report.tables)
    assert (report.latest_race_date, report.last_daily_success, report.ledger, report.runs) == (None, None, (), ())
    assert report.enrichment == Enrichment(0, 0, 0, 0)


def test_a_database_without_the_schema_is_one_line(empty_engine: Engine) -> None:
    with pytest.raises(DatabaseError, match="has no DarkHorses tables; run `darkhorses db upgrade` first"):
        build_status(empty_engine)



def test_british_and_irish_courses_without_coordinates_are_named(seeded: Engine) -> None:
    add_rows(seeded, ra_mst_courses, [
        {"id": "crs_2", "name": "Newtown Park", "region_code": "gb"},
        {"id": "crs_3", "name": "Aintree", "region_code": "gb", "latitude": 53.4766, "longitude": -2.9463},
        {"id": "crs_4", "name": "Chantilly", "region_code": "fr"},
    ])
    assert build_status(seeded, now=NOW).courses_without_coordinates == ("Newtown Park",)
