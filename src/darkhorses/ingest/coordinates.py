"""Racecourse latitude and longitude, which the API does not send.

``data/course-coordinates.csv`` (shipped in the package) holds the 91 British and Irish courses
by their plain names. The API names a course differently in places: all-weather tracks carry
" (AW)", results add the country (" (IRE)"), and Bangor is "Bangor-on-Dee". Names are matched
after :func:`course_key` folds those away.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from functools import cache
from importlib import resources

from darkhorses import parse

ALIASES = {"bangor on dee": "bangor"}
"""The API's spellings that normalising alone does not reach, by normalised name."""
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_TAGS = re.compile(r"\s*\([^)]*\)")


def course_key(name: str | None) -> str | None:
    """A course name folded for matching: bracketed tags dropped, lower case, punctuation as
    spaces, the API's other spellings mapped (``"Bangor-on-Dee"`` and ``"bangor"`` agree)."""
    text = parse.blank(name)
    if text is None:
        return None
    key = _NOT_WORD.sub(" ", _TAGS.sub("", text).lower()).strip()
    return ALIASES.get(key, key) or None


@cache
def _coordinates() -> dict[str, tuple[Decimal, Decimal]]:
    source = resources.files("darkhorses").joinpath("data/course-coordinates.csv")
    with source.open(encoding="utf-8", newline="") as handle:
        return {course_key(row["course"]) or "": (Decimal(row["latitude"]), Decimal(row["longitude"]))
                for row in csv.DictReader(handle)}


def course_coordinates(name: str | None) -> tuple[Decimal, Decimal] | None:
    """(latitude, longitude) of a course by any of its API names, or None when not listed."""
    key = course_key(name)
    return _coordinates().get(key) if key else None
