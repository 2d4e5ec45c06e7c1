"""The results filter set (region, course, type, going, class, distance, age band, sex).

The same predicate serves ``/v1/results`` and every entity ``…/results`` and analysis endpoint.
Values are matched the way the API spells them in requests: ``flat``/``nh_flat``,
``good_to_soft``, ``class_4``, ``3yo+``, ``f``/``m``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from darkhorses.simulator.day import Race

Predicate = Callable[[Race], bool]


def _slug(text: str) -> str:
    return text.lower().replace(" ", "_")


def race_filter(values: dict[str, Any]) -> Predicate:
    """A predicate over races for the filters present in ``values`` (courses override regions)."""
    checks: list[Predicate] = []
    if values.get("course"):
        courses = set(values["course"])
        checks.append(lambda r: r.course.id in courses)
    elif values.get("region"):
        regions = {code.lower() for code in values["region"]}
        checks.append(lambda r: r.course.region_code in regions)
    if values.get("type"):
        types = {t.lower() for t in values["type"]}
        checks.append(lambda r: _slug(r.race_type) in types)
    if values.get("going"):
        goings = {g.lower() for g in values["going"]}
        checks.append(lambda r: _slug(r.going) in goings)
    if values.get("race_class"):
        classes = {c.lower() for c in values["race_class"]}
        checks.append(lambda r: r.race_class is not None and f"class_{r.race_class}" in classes)
    if values.get("min_distance_y") is not None:
        low = values["min_distance_y"]
        checks.append(lambda r: r.yards >= low)
    if values.get("max_distance_y") is not None:
        high = values["max_distance_y"]
        checks.append(lambda r: r.yards <= high)
    if values.get("age_band"):
        bands = set(values["age_band"])
        checks.append(lambda r: r.age_band in bands)
    if values.get("sex_restriction"):
        sexes = {s.lower() for s in values["sex_restriction"]}
        checks.append(lambda r: r.sex_restriction.lower() in sexes)
    return lambda race: all(check(race) for check in checks)
