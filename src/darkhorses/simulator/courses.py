"""Courses and regions of the synthetic world, loaded from ``data/courses.json``.

Courses we hold real recorded bodies for keep their real ids and names; the others are real
course names with synthetic ids (``crs_900xx``). A few French, American and Australian tracks
make region filtering matter, as unfiltered real queries return foreign races too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

REGION_NAMES = {"gb": "Great Britain", "ire": "Ireland", "fr": "France", "usa": "USA", "aus": "Australia"}
CURRENCY = {"GB": "£", "IRE": "€", "FR": "€", "USA": "$", "AUS": "$"}


@dataclass(frozen=True, slots=True)
class Course:
    """One racecourse. ``kind`` is flat, jumps, both (flat in summer, jumps otherwise) or aw."""

    id: str
    name: str
    region_code: str
    kind: str

    @property
    def region(self) -> str:
        """Upper-case code used in race and runner ``region`` fields (``GB``, ``IRE``)."""
        return self.region_code.upper()

    @property
    def result_name(self) -> str:
        """Results suffix the country outside Great Britain: ``Dundalk (AW) (IRE)``."""
        return self.name if self.region == "GB" else f"{self.name} ({self.region})"

    @property
    def domestic(self) -> bool:
        """UK and Irish courses get odds, Pro comments and tote returns."""
        return self.region in ("GB", "IRE")

    def as_api(self) -> dict[str, str]:
        return {"id": self.id, "course": self.name, "region_code": self.region_code,
                "region": REGION_NAMES[self.region_code]}


@cache
def _load() -> dict:
    text = resources.files("darkhorses.simulator").joinpath("data/courses.json").read_text("utf-8")
    return json.loads(text)


@cache
def all_courses() -> tuple[Course, ...]:
    """Every course, ordered as ``/v1/courses`` lists them: region code, then name."""
    rows = [Course(r["id"], r["course"], r["region_code"], r["kind"]) for r in _load()["courses"]]
    return tuple(sorted(rows, key=lambda c: (c.region_code, c.name)))


@cache
def course_index() -> dict[str, Course]:
    return {c.id: c for c in all_courses()}


def regions() -> list[dict[str, str]]:
    """The ``/v1/courses/regions`` body."""
    return [dict(r) for r in _load()["regions"]]
