"""The endpoints the client calls, with the facts that drive its behaviour.

One table answers, for each route template: which plan it needs (so a 401 can be explained as
"wrong credentials" or "not in your plan"), which rate-limit family it belongs to, and how it
pages. Keeping these facts here, not scattered through methods, is what lets the limiter, the
error mapping and the pager stay generic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from darkhorses.config import Plan

RateFamily = Literal["racecards", "reference", "default"]

RACECARDS_LIMIT_MAX = 500
RACECARDS_SKIP_MAX = 500
RESULTS_LIMIT_MAX = 100  # 2026 (v1.4.3); the 2025 build allowed 50
RESULTS_SKIP_MAX = 20000


@dataclass(frozen=True)
class Endpoint:
    """A route template such as ``/v1/horses/{horse_id}/pro`` and how to treat it."""

    template: str
    min_plan: Plan
    family: RateFamily = "default"
    limit_max: int | None = None  # None: the endpoint does not page
    skip_max: int | None = None

    def path(self, **ids: str) -> str:
        """Fill the template, quoting ids so a stray ``/`` cannot reach another route."""
        return self.template.format(**{name: quote(value, safe="") for name, value in ids.items()})


COURSES = Endpoint("/v1/courses", "free", "reference")
REGIONS = Endpoint("/v1/courses/regions", "free", "reference")
RACECARDS_PRO = Endpoint("/v1/racecards/pro", "pro", "racecards", RACECARDS_LIMIT_MAX, RACECARDS_SKIP_MAX)
RACECARD_PRO = Endpoint("/v1/racecards/{race_id}/pro", "pro")
RESULTS = Endpoint("/v1/results", "standard", "default", RESULTS_LIMIT_MAX, RESULTS_SKIP_MAX)
RESULT = Endpoint("/v1/results/{race_id}", "standard")
HORSE_PRO = Endpoint("/v1/horses/{horse_id}/pro", "pro")
HORSE_STANDARD = Endpoint("/v1/horses/{horse_id}/standard", "standard")
HORSE_DISTANCE_TIMES = Endpoint("/v1/horses/{horse_id}/analysis/distance-times", "standard")
ODDS = Endpoint("/v1/odds/{race_id}/{horse_id}", "pro")

EntityKind = Literal["horses", "jockeys", "trainers", "owners", "sires", "dams", "damsires"]
SearchKind = EntityKind

#: Analysis tables each entity offers (the horse's distance-times table has its own method).
ANALYSIS_TABLES: dict[str, frozenset[str]] = {
    "jockeys": frozenset({"courses", "distances", "owners", "trainers"}),
    "trainers": frozenset({"courses", "distances", "jockeys", "owners", "horse-age"}),
    "owners": frozenset({"courses", "distances", "jockeys", "trainers"}),
    "sires": frozenset({"classes", "distances"}),
    "dams": frozenset({"classes", "distances"}),
    "damsires": frozenset({"classes", "distances"}),
}

_ID_PARAM = {
    "horses": "horse_id",
    "jockeys": "jockey_id",
    "trainers": "trainer_id",
    "owners": "owner_id",
    "sires": "sire_id",
    "dams": "dam_id",
    "damsires": "damsire_id",
}


def entity_results(kind: EntityKind) -> Endpoint:
    """``/v1/{kind}/{id}/results``: Pro, paged like ``/v1/results``."""
    return Endpoint(
        f"/v1/{kind}/{{{_ID_PARAM[kind]}}}/results", "pro", "default", RESULTS_LIMIT_MAX, RESULTS_SKIP_MAX
    )


def entity_analysis(kind: str, table: str) -> Endpoint:
    """``/v1/{kind}/{id}/analysis/{table}``: Standard, not paged."""
    if table not in ANALYSIS_TABLES.get(kind, frozenset()):
        raise ValueError(f"/v1/{kind} has no analysis table {table!r}")
    return Endpoint(f"/v1/{kind}/{{{_ID_PARAM[kind]}}}/analysis/{table}", "standard")


def search(kind: SearchKind) -> Endpoint:
    """``/v1/{kind}/search``: Standard, ``name`` required, not paged."""
    return Endpoint(f"/v1/{kind}/search", "standard")


def id_param(kind: EntityKind) -> str:
    """The path-parameter name of an entity kind (``jockeys`` → ``jockey_id``)."""
    return _ID_PARAM[kind]
