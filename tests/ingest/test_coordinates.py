"""Course coordinates from the shipped list, matched on the names the API really uses."""

from __future__ import annotations

import csv
from decimal import Decimal
from importlib import resources

import pytest

from darkhorses.ingest.coordinates import course_coordinates, course_key
from darkhorses.ingest.transform import course_rows
from darkhorses.racing_api.models import Course
from darkhorses.simulator.courses import all_courses


def test_the_package_ships_all_91_courses() -> None:
    source = resources.files("darkhorses").joinpath("data/course-coordinates.csv")
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 91
    assert all(course_coordinates(row["course"]) == (Decimal(row["latitude"]), Decimal(row["longitude"]))
               for row in rows)


@pytest.mark.parametrize(("api_name", "plain"), [
    ("Bangor-on-Dee", "Bangor"), ("Kempton (AW)", "Kempton"), ("Dundalk (AW) (IRE)", "Dundalk"),
    ("Down Royal", "Down Royal"), ("  newton abbot ", "Newton Abbot"), ("Market-Rasen", "Market Rasen"),
])
def test_api_spellings_match_the_plain_name(api_name: str, plain: str) -> None:
    assert course_key(api_name) == course_key(plain)
    assert course_coordinates(api_name) == course_coordinates(plain) is not None


def test_unknown_and_missing_names_have_no_coordinates() -> None:
    assert course_coordinates("Chantilly") is None
    assert course_coordinates("") is None and course_coordinates(None) is None


def test_every_simulated_british_and_irish_course_gets_coordinates() -> None:
    courses = [Course(id=c.id, course=c.name, region_code=c.region_code) for c in all_courses()
               if c.region_code in ("gb", "ire")]
    rows = course_rows(courses).upserts["ra_mst_courses"]
    assert len(rows) > 80 and all(row.get("latitude") is not None and row.get("longitude") for row in rows)
