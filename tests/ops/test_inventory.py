"""The inventory is generated from the schema and, with a database, counts fill per column."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from darkhorses.db.schema import metadata, ra_mst_courses
from darkhorses.db.upsert import upsert
from darkhorses.ops.inventory import build_inventory


def test_schema_only_inventory_matches_the_schema() -> None:
    report = build_inventory()
    assert report["table_count"] == len(metadata.tables)
    assert report["column_count"] == sum(len(t.columns) for t in metadata.tables.values())
    assert "rows" not in report["tables"][0]
    off_dt = next(
        c for t in report["tables"] if t["name"] == "ra_mst_races" for c in t["columns"] if c["name"] == "off_dt"
    )
    assert off_dt["type"] == "TIMESTAMP WITH TIME ZONE"
    assert off_dt["endpoint"] == "/v1/racecards/pro | /v1/results"


def test_fill_counts_on_both_engines(engine: Engine) -> None:
    with engine.begin() as connection:
        upsert(
            connection,
            ra_mst_courses,
            [
                {"id": "crs_1", "name": "Ascot", "region_code": "gb"},
                {"id": "crs_2", "name": "Navan", "region_code": None},
                {"id": "crs_3", "name": "Sligo", "region_code": "ire"},
                {"id": "crs_4", "name": "Wexford"},
            ],
        )
    report = build_inventory(engine)
    courses = next(t for t in report["tables"] if t["name"] == "ra_mst_courses")
    by_name = {c["name"]: c for c in courses["columns"]}
    assert courses["rows"] == 4
    assert (by_name["region_code"]["non_null"], by_name["region_code"]["fill_pct"]) == (2, 50.0)
    assert by_name["latitude"]["fill_pct"] == 0.0
    assert by_name["name"]["fill_pct"] == 100.0
    assert dt.datetime.fromisoformat(report["generated_at"]).tzinfo is not None
