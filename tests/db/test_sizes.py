"""Row and fill counts: exact on SQLite and for small tables, the planner's estimates (flagged)
for big PostgreSQL tables. "Big" is lowered to a few rows here, and the schema analysed, so that
the estimates of these small tables are whole-table statistics and must equal the exact counts."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from darkhorses.db import sizes
from darkhorses.db.schema import metadata, ra_mst_courses, ra_mst_regions
from darkhorses.db.upsert import upsert
from darkhorses.ops.inventory import build_inventory
from darkhorses.ops.status import table_counts

COURSES = [{"id": f"crs_{n}", "name": f"Course {n}", "region_code": "gb" if n % 3 else None} for n in range(10)]


@pytest.fixture
def filled(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setattr(sizes, "ESTIMATE_FROM_ROWS", 5)
    with engine.begin() as connection:
        upsert(connection, ra_mst_courses, COURSES)
        upsert(connection, ra_mst_regions, [{"code": "gb", "name": "Great Britain"}])
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return engine


def test_big_postgres_tables_are_estimated_and_labelled_small_ones_counted(filled: Engine) -> None:
    postgres = filled.dialect.name == "postgresql"
    with filled.connect() as connection:
        counts = sizes.row_counts(connection, [ra_mst_courses, ra_mst_regions, metadata.tables["ra_mst_races"]])
        tables = {entry.name: entry for entry in table_counts(connection)}
    assert counts == {"ra_mst_courses": sizes.RowCount(10, estimated=postgres),
                      "ra_mst_regions": sizes.RowCount(1), "ra_mst_races": sizes.RowCount(0)}
    assert (tables["ra_mst_courses"].rows, tables["ra_mst_courses"].estimated) == (10, postgres)
    assert (tables["ra_mst_regions"].rows, tables["ra_mst_regions"].estimated) == (1, False)
    assert tables["ra_mst_courses"].last_updated is not None


def test_a_postgres_table_never_analysed_is_counted(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sizes, "ESTIMATE_FROM_ROWS", 5)
    with engine.begin() as connection:
        upsert(connection, ra_mst_courses, COURSES)
    with engine.connect() as connection:
        assert sizes.row_counts(connection, [ra_mst_courses]) == {"ra_mst_courses": sizes.RowCount(10)}


def test_inventory_fill_estimates_equal_the_counts(filled: Engine) -> None:
    postgres = filled.dialect.name == "postgresql"
    courses = next(t for t in build_inventory(filled)["tables"] if t["name"] == "ra_mst_courses")
    regions = next(t for t in build_inventory(filled)["tables"] if t["name"] == "ra_mst_regions")
    fill = {c["name"]: (c["non_null"], c["fill_pct"]) for c in courses["columns"]}
    assert (courses["rows"], courses["estimated"], regions["estimated"]) == (10, postgres, False)
    assert fill["id"] == (10, 100.0) and fill["region_code"] == (6, 60.0) and fill["latitude"] == (0, 0.0)


def test_status_text_and_dashboard_mark_the_estimates(filled: Engine) -> None:
    import datetime as dt
    import io

    from rich.console import Console

    from darkhorses.ops.status import build_status
    from darkhorses.ops.status_view import render_status
    from darkhorses.web.pages import data, overview

    now = dt.datetime.now(dt.timezone.utc)
    postgres = filled.dialect.name == "postgresql"
    out = io.StringIO()
    render_status(build_status(filled, now=now), Console(file=out, width=200))
    shown = next(line for line in out.getvalue().splitlines() if "ra_mst_courses" in line)
    assert ("~10" in shown) is postgres and " 10 " in shown.replace("~", " ")
    assert "ra_mst_regions" in out.getvalue() and "~1 " not in out.getvalue()
    assert ("(~:" in out.getvalue()) is postgres  # the legend only where a figure is estimated
    page = {t["name"]: t for t in overview(filled, now)["tables"]}
    assert (page["ra_mst_courses"]["estimated"], page["ra_mst_regions"]["estimated"]) == (postgres, False)
    fills = {t["name"]: t for t in data(filled, now)["tables"]}
    assert (fills["ra_mst_courses"]["rows"], fills["ra_mst_courses"]["estimated"]) == (10, postgres)


def test_a_big_tables_newest_change_is_the_last_fetch_that_wrote_it(filled: Engine) -> None:
    """Reading the newest row stamp of millions of rows is what status must not do; where a fetch
    recorded writing a big table, that time is its last update. Small tables keep their stamp."""
    import datetime as dt

    from darkhorses.db.schema import ra_metadata_tracking

    recorded = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
    with filled.begin() as connection:
        upsert(connection, ra_metadata_tracking, [{"table_name": name, "last_updated": recorded, "record_count": 1}
                                                  for name in ("ra_mst_courses", "ra_mst_regions")])
        tables = {entry.name: entry for entry in table_counts(connection)}
    postgres = filled.dialect.name == "postgresql"
    assert (tables["ra_mst_courses"].last_updated == recorded) is postgres
    assert tables["ra_mst_regions"].last_updated != recorded
    assert len(tables) == len(metadata.tables) and tables["dh_locks"].last_updated is None


def test_checks_on_estimated_tables_confirm_what_the_sample_calls_empty(filled: Engine) -> None:
    """A column the planner's statistics call empty is looked up before it is reported."""
    from darkhorses.ops import quality

    with filled.connect() as connection:
        if filled.dialect.name == "postgresql":
            connection.execute(text("UPDATE pg_statistic SET stanullfrac = 1 FROM pg_class c, pg_attribute a "
                                    "WHERE starelid = c.oid AND c.relname = 'ra_mst_courses' "
                                    "AND c.relnamespace = current_schema()::regnamespace AND a.attrelid = c.oid "
                                    "AND a.attnum = staattnum AND a.attname IN ('name', 'region_code')"))
        filled_courses = quality.column_fill(connection, ra_mst_courses)
        assert filled_courses.non_null["name"] == (0 if filled.dialect.name == "postgresql" else 10)
        assert quality._confirm_empty(connection, ra_mst_courses, ["name", "latitude"]) == {"name": 1, "latitude": 0}
        assert quality._confirm_empty(connection, ra_mst_courses, ["name", "region_code", "latitude"]) == {
            "name": 10, "region_code": 6, "latitude": 0}
        connection.rollback()
