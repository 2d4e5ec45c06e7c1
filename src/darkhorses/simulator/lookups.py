"""Name searches and a runner's odds with their history.

Searches match a case-insensitive substring, as the API's do (``Murphy`` finds "Cindy Murphy"),
and have no paging. The API's cap on hits is unknown; the simulator returns at most
:data:`SEARCH_LIMIT`: people in name order, horses youngest first (the search walks the foal
years from the newest and stops at the cap, so a common word costs one cohort's names, a rare
one every cohort's: about a second the first time, names being cached per cohort).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from darkhorses.simulator.contract import not_found
from darkhorses.simulator.endpoints import Context
from darkhorses.simulator.population import COHORT_SIZE, FIRST_COHORT, MARES_END, STALLIONS, horse_number
from darkhorses.simulator.racing import LADDER, LADDER_DECIMAL_TEXT, LADDER_FRACTION_TEXT
from darkhorses.simulator.rng import stream

Body = dict[str, Any]
SEARCH_LIMIT = 50
ODDS_HISTORY_FROM = dt.date(2025, 3, 17)
_PEOPLE = {"jockeys": "jockey", "trainers": "trainer", "owners": "owner"}
#: Which cohort indices each pedigree search covers, its id prefix and whether names carry the
#: breeding country (results print sires and dams with it, damsires without).
_LINES = {"sires": (0, STALLIONS, "sir", True), "dams": (STALLIONS, MARES_END, "dam", True),
          "damsires": (0, STALLIONS, "dsi", False)}


def _wanted(ctx: Context) -> str:
    return ctx.values["name"].strip().lower()


def _horse_numbers(ctx: Context, first: int, last: int) -> list[int]:
    """Up to SEARCH_LIMIT numbers of horses, youngest first, whose index in their cohort is in
    ``first..last-1`` and whose name matches."""
    wanted, pop = _wanted(ctx), ctx.world.population
    found: list[int] = []
    for year in range(pop.last_year, FIRST_COHORT - 1, -1):
        names = pop.cohort_names(year, first, last)
        found += [horse_number(year, first + i) for i, name in enumerate(names) if wanted in name.lower()]
        if len(found) >= SEARCH_LIMIT:
            break
    return found[:SEARCH_LIMIT]


def _by_name(hits: list[Body]) -> Body:
    hits.sort(key=lambda hit: (hit["name"], hit["id"]))
    return {"search_results": hits[:SEARCH_LIMIT]}


def search_people(plural: str) -> Callable[[Context], Body]:
    """``/v1/{jockeys|trainers|owners}/search``: ``{"search_results": [{id, name}]}``."""
    kind = _PEOPLE[plural]

    def handler(ctx: Context) -> Body:
        wanted = _wanted(ctx)
        people = ctx.world.population.people(kind)
        return _by_name([{"id": p.id, "name": p.name} for p in people if wanted in p.name.lower()])

    return handler


def search_lines(plural: str) -> Callable[[Context], Body]:
    """``/v1/{sires|dams|damsires}/search``: stallions or broodmares of every cohort by name."""
    first, last, prefix, suffixed = _LINES[plural]

    def handler(ctx: Context) -> Body:
        identity = ctx.world.population.identity
        hits = []
        for num in _horse_numbers(ctx, first, last):
            horse = identity(num)
            hits.append({"id": f"{prefix}_{num}", "name": horse.display_name if suffixed else horse.name})
        return {"search_results": hits}

    return handler


def search_horses(ctx: Context) -> Body:
    """``/v1/horses/search``: standard profiles (name and pedigree) of matching horses."""
    return {"search_results": [ctx.world.horse_standard(f"hrs_{num}")
                               for num in _horse_numbers(ctx, 0, COHORT_SIZE)]}


def runner_odds(ctx: Context) -> Body:
    """``/v1/odds/{race_id}/{horse_id}``: a UK or Irish runner's bookmaker prices, as on its
    racecard, with price movements for races from 2025-03-17."""
    world, race_id, horse_id = ctx.world, ctx.path["race_id"], ctx.path["horse_id"]
    race = world.race(race_id)
    if race is None or not race.course.domestic:
        raise not_found()
    piece = next(p for r, p in world.card_pieces(race.date, ctx.dialect) if r.seq == race.seq)
    runner = next((r for r in json.loads(piece)["runners"] if r["horse_id"] == horse_id), None)
    if runner is None:
        raise not_found()
    odds = runner["odds"]
    if race.date >= ODDS_HISTORY_FROM:
        for offer in odds:
            offer["history"] = _history(world.seed, race_id, horse_id, offer, race.off)
    return {"race_id": race_id, "horse_id": horse_id, "horse": runner["horse"], "odds": odds}


_FRACTION_STEP = {text: step for step, text in enumerate(LADDER_FRACTION_TEXT)}


def _history(seed: int, race_id: str, horse_id: str, offer: Body, off: dt.datetime) -> list[Body]:
    """Earlier prices ending at the offered one, oldest first (none for exchange prices)."""
    final = _FRACTION_STEP.get(offer["fractional"])
    if final is None:
        return []
    uniform = stream(seed, "odds-history", race_id, horse_id, offer["bookmaker"]).random
    moves = 1 + int(uniform() * 4)
    step = min(len(LADDER) - 1, max(0, final + int(uniform() * 7) - 3))
    changed = off - dt.timedelta(hours=6 + int(uniform() * 18))
    points = []
    for move in range(moves):
        if move == moves - 1:
            step = final
        points.append({"changed_at": changed.isoformat(), "fractional": LADDER_FRACTION_TEXT[step],
                       "decimal": LADDER_DECIMAL_TEXT[step]})
        changed += dt.timedelta(minutes=5 + int(uniform() * 90))
        step = min(len(LADDER) - 1, max(0, step + (1 if step < final else -1 if step > final else 0)))
    return points
