"""Every route the simulator serves: the core endpoints plus the entity, search and odds ones.

Plans follow CONTRACT.md §4: entity results and odds are Pro, analysis and searches Standard,
and a horse's distance-times moved from Standard (2025) to Basic (2026).
"""

from __future__ import annotations

from darkhorses.simulator import entities, lookups
from darkhorses.simulator.contract import RESULT_FILTERS, SEARCH, results_paging
from darkhorses.simulator.endpoints import CORE, Endpoint, no_params
from darkhorses.simulator.index import KINDS

ANALYSIS_TABLES = {
    "jockeys": ("courses", "distances", "owners", "trainers"),
    "trainers": ("courses", "distances", "jockeys", "owners", "horse-age"),
    "owners": ("courses", "distances", "jockeys", "trainers"),
    "sires": ("classes", "distances"),
    "dams": ("classes", "distances"),
    "damsires": ("classes", "distances"),
}


def _entity_routes() -> tuple[Endpoint, ...]:
    routes = []
    for plural, kind in KINDS.items():
        base = f"/v1/{plural}/{{{kind.path_param}}}"
        routes.append(Endpoint(f"{base}/results", "pro", "default", lambda d: RESULT_FILTERS + results_paging(d),
                               entities.results(kind)))
        routes += [Endpoint(f"{base}/analysis/{name}", "standard", "default", lambda d: RESULT_FILTERS,
                            entities.analysis(kind, name)) for name in ANALYSIS_TABLES.get(plural, ())]
        search = (lookups.search_horses if plural == "horses" else
                  lookups.search_people(plural) if plural in ("jockeys", "trainers", "owners") else
                  lookups.search_lines(plural))
        routes.append(Endpoint(f"/v1/{plural}/search", "standard", "default", lambda d: SEARCH, search))
    routes.append(Endpoint("/v1/horses/{horse_id}/analysis/distance-times", {"2025": "standard", "2026": "basic"},
                           "default", lambda d: RESULT_FILTERS, entities.distance_times))
    routes.append(Endpoint("/v1/odds/{race_id}/{horse_id}", "pro", "default", no_params, lookups.runner_odds))
    return tuple(routes)


ENDPOINTS: tuple[Endpoint, ...] = CORE + _entity_routes()
