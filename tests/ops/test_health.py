"""``health`` is healthy on a working database and names each failing condition, on both engines."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from darkhorses.db.schema import dh_runs, ra_mst_races
from darkhorses.ops.health import Unhealthy, check_health, probe, require_healthy

from .conftest import CARD, NOW, add_failed_unit, add_run


def test_a_working_database_is_healthy(seeded: Engine) -> None:
    report = check_health(seeded, NOW)
    assert report.ok
    assert require_healthy(report) == ("healthy: last daily run 2025-10-20 11:00 London time, 2h ago; no failed units in "
                                       "3 days; 5 data-quality checks pass")


def test_no_successful_daily_run_in_25_hours(seeded: Engine) -> None:
    with seeded.begin() as connection:
        connection.execute(update(dh_runs).values(finished_at=NOW - dt.timedelta(hours=25, minutes=1)))
    add_run(seeded, finished=NOW - dt.timedelta(hours=1), success=False)  # a failed daily run does not count
    add_run(seeded, finished=NOW - dt.timedelta(hours=1), mode="manual")  # nor does another mode
    add_run(seeded, finished=NOW - dt.timedelta(hours=1), mode="retry")  # nor a retry of failed units (issue 15)
    assert check_health(seeded, NOW).problems == (
        "no successful daily run in the last 25 hours (last: 2025-10-19 11:59 London time, 25h ago)",)
    assert check_health(seeded, NOW - dt.timedelta(minutes=2)).ok


def test_status_and_health_print_times_in_the_same_zone(seeded: Engine) -> None:
    from darkhorses.ops.status import london_time

    assert london_time(NOW - dt.timedelta(hours=2)) in require_healthy(check_health(seeded, NOW))


def test_no_daily_run_ever(engine: Engine) -> None:
    assert check_health(engine, NOW).problems == ("no successful daily run yet (run `darkhorses fetch --mode daily`)",)


def test_failed_units_in_the_last_three_days(seeded: Engine) -> None:
    add_failed_unit(seeded, "2025-10-10", NOW - dt.timedelta(days=3, minutes=1))
    assert check_health(seeded, NOW).ok  # older failures are the ledger's business, not an alarm
    add_failed_unit(seeded, "2025-10-18", NOW - dt.timedelta(days=2), "server error 503\nafter 5 attempts")
    assert check_health(seeded, NOW).problems == (
        "1 failed units in the last 3 days (results 2025-10-18: server error 503\nafter 5 attempts)",)


def test_a_failing_quality_check(seeded: Engine) -> None:
    with seeded.begin() as connection:
        connection.execute(update(ra_mst_races).where(ra_mst_races.c.id == CARD).values(field_size=3))
    assert check_health(seeded, NOW).problems == (
        f"races of the last 30 days and ahead whose runners differ from the declared field size: 1 (e.g. {CARD})",)


def test_every_problem_on_one_line(seeded: Engine) -> None:
    add_failed_unit(seeded, "2025-10-18", NOW, "server error 503\nafter 5 attempts")
    with pytest.raises(Unhealthy) as raised:
        require_healthy(check_health(seeded, NOW + dt.timedelta(days=2)))
    message = str(raised.value)
    assert "\n" not in message and raised.value.exit_code == 1
    assert message.startswith("unhealthy: no successful daily run in the last 25 hours")
    assert "; 1 failed units in the last 3 days (results 2025-10-18: server error 503 after 5 attempts)" in message


def test_an_unreachable_database_is_unhealthy_without_its_password() -> None:
    report = probe("postgresql://user:s3cretpw@127.0.0.1:1/db", NOW)
    assert not report.ok and report.problems[0].startswith("cannot open database postgresql+psycopg://user:***@")
    assert "s3cretpw" not in report.problems[0]


def test_an_empty_database_is_unhealthy(empty_engine: Engine) -> None:
    report = probe(empty_engine.url.render_as_string(hide_password=False), NOW)
    assert report.problems == (f"{empty_engine.url.render_as_string(hide_password=True)} has no DarkHorses tables; "
                               "run `darkhorses db upgrade` first",)
