"""Entity endpoints: a horse's, person's or pedigree line's results and analysis tables.

All of them scan the days of a date window through the world's run index (see ``index``):
jockeys, trainers, owners, sires, dams and damsires default to the last 365 days, as the 2026 API
does (the 2025 API returned whole careers; the simulator bounds the default so that a request's
cost is bounded too). A horse has no default window in the API; the simulator uses its racing
career and generates only the days it was declared on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from darkhorses.simulator.analysis import table
from darkhorses.simulator.contract import Encoded, envelope, page, parse_date
from darkhorses.simulator.day import Race
from darkhorses.simulator.endpoints import ROLLING_DAYS, Context, refuse_window, result_window
from darkhorses.simulator.filters import race_filter
from darkhorses.simulator.index import KINDS, Kind, Run, matching
from darkhorses.simulator.population import Person, Population
from darkhorses.simulator.racing import METRES_PER_YARD, YARDS_PER_FURLONG, race_time_text, round_distance_text

Body = dict[str, Any]
Pairs = list[tuple[Race, Run]]
HISTORY_MESSAGE = "Results older than 12 months need the historical results add-on"


def _career(ctx: Context, horse_number: int) -> tuple[dt.date, dt.date]:
    """A horse's racing years, narrowed by a date sent; empty for a number that is no horse."""
    horse = ctx.world.horse(f"hrs_{horse_number}")
    if horse is None:
        return ctx.today, ctx.today - dt.timedelta(days=1)
    values = ctx.values
    start = (parse_date(values["start_date"], "start_date") if values["start_date"]
             else dt.date(horse.year + horse.first_age, 1, 1))
    end = (parse_date(values["end_date"], "end_date") if values["end_date"]
           else min(dt.date(horse.year + horse.last_age, 12, 31), ctx.today))
    return start, end


def _window(ctx: Context, kind: Kind, key: int | str) -> tuple[dt.date, dt.date] | None:
    """The dates to scan; None when the account may not see them (see ``result_window``)."""
    if kind.field != "horse" or (ctx.values["start_date"] and ctx.values["end_date"]):
        return result_window(ctx)
    start, end = _career(ctx, int(key))
    if not ctx.config.history_addon:  # no dates asked for: the career as far as the account sees
        start = max(start, ctx.today - dt.timedelta(days=ROLLING_DAYS))
    return start, end


def _days(ctx: Context, kind: Kind, key: int | str, start: dt.date, end: dt.date) -> Iterator[Any]:
    """The run index of each date in the window, newest first (a horse's declared days only)."""
    world = ctx.world
    day = min(end, world.last_date)
    while day >= max(start, world.first_date):
        if kind.field != "horse" or world.declared(day, int(key)):
            yield world.runs(day)
        day -= dt.timedelta(days=1)


def _races(ctx: Context, kind: Kind) -> list[tuple[Race, list[Run]]] | None:
    """The entity's resulted races in its window matching the filters; None when refused."""
    key = kind.key(ctx.path[kind.path_param])
    if key is None:
        return []
    window = _window(ctx, kind, key)
    if window is None:
        return None
    filters = race_filter(ctx.values)
    world, now = ctx.world, ctx.now
    keep: Callable[[Race], bool] = lambda race: filters(race) and world.is_resulted(race, now)  # noqa: E731
    return list(matching(_days(ctx, kind, key, *window), kind.field, key, keep))


def results(kind: Kind) -> Callable[[Context], Encoded]:
    """``/v1/{kind}/{id}/results``: whole races (every runner), newest first, paged."""

    def handler(ctx: Context) -> Encoded:
        races = _races(ctx, kind)
        if races is None:
            refuse_window(ctx, HISTORY_MESSAGE)
            races = []
        chosen = page(races, ctx.values["skip"], ctx.values["limit"])
        pieces = [ctx.world.result_piece(race.race_id, ctx.dialect) for race, _ in chosen]
        return envelope("results", pieces, len(races), ctx.values["limit"], ctx.values["skip"], ctx.echo)

    return handler


# -- analysis ---------------------------------------------------------------------------------------

def _person(pop: Population, person_id: str) -> Person:
    make = {"jky": pop.jockey, "trn": pop.trainer, "own": pop.owner}[person_id[:3]]
    return make(int(person_id[4:]))


def _distance(race: Race, run: Run) -> Body:
    furlongs = round(race.yards / YARDS_PER_FURLONG)
    yards = furlongs * YARDS_PER_FURLONG
    return {"dist": round_distance_text(furlongs), "dist_y": str(yards),
            "dist_m": str(round(yards * METRES_PER_YARD)), "dist_f": f"{furlongs}f"}


def _distance_key(race: Race, run: Run) -> int:
    return round(race.yards / YARDS_PER_FURLONG)


def _people_table(pop: Population, field: str) -> tuple[Callable, Callable]:
    def describe(race: Race, run: Run) -> Body:
        person_id = getattr(run, field)
        return {f"{field}_id": person_id, field: _person(pop, person_id).name}

    return (lambda race, run: getattr(run, field)), describe


def _tables(pop: Population) -> dict[str, tuple[str, Callable, Callable]]:
    """Table name in the path -> (body key, grouping key, row description)."""
    return {
        "courses": ("courses", lambda race, run: race.course.id,
                    lambda race, run: {"course": race.course.name, "course_id": race.course.id,
                                       "region": race.region}),
        "distances": ("distances", _distance_key, _distance),
        "jockeys": ("jockeys", *_people_table(pop, "jockey")),
        "trainers": ("trainers", *_people_table(pop, "trainer")),
        "owners": ("owners", *_people_table(pop, "owner")),
        "horse-age": ("horse_ages", lambda race, run: run.age, lambda race, run: {"horse_age": str(run.age)}),
        "classes": ("classes", lambda race, run: race.race_class,
                    lambda race, run: {"class": f"Class {race.race_class}" if race.race_class else ""}),
    }


def _entity_name(ctx: Context, kind: Kind, entity_id: str) -> str:
    key = kind.key(entity_id)
    pop = ctx.world.population
    if isinstance(key, str):
        return _person(pop, key).name if key[4:].isdigit() else ""
    if key is None or not pop.horse_exists(key):
        return ""
    identity = pop.identity(key)
    return identity.name if kind.field == "damsire" else identity.display_name


COUNT_NAMES = {"jockey": "total_rides", "horse": "total_runs"}


def analysis(kind: Kind, table_name: str) -> Callable[[Context], Body]:
    """``/v1/{kind}/{id}/analysis/{table}``: ``{id, <name>, total_*, <table>[], query}``."""
    total_name = COUNT_NAMES.get(kind.singular, "total_runners")
    count_name = total_name.removeprefix("total_")

    def handler(ctx: Context) -> Body:
        entity_id = ctx.path[kind.path_param]
        races = _races(ctx, kind)
        if races is None:
            refuse_window(ctx, HISTORY_MESSAGE)
            races = []
        pairs = [(race, run) for race, runs in races for run in runs]
        body_key, key, describe = _tables(ctx.world.population)[table_name]
        rows = table(pairs, key, describe, count_name)
        return {"id": entity_id, kind.singular: _entity_name(ctx, kind, entity_id), total_name: len(pairs),
                body_key: rows, "query": ctx.echo}

    return handler


def distance_times(ctx: Context) -> Body:
    """``/v1/horses/{id}/analysis/distance-times``: the horse's runs by distance, with each time."""
    kind = KINDS["horses"]
    horse_id = ctx.path["horse_id"]
    races = _races(ctx, kind)
    if races is None:
        refuse_window(ctx, HISTORY_MESSAGE)
        races = []
    pairs = [(race, run) for race, runs in races for run in runs]
    rows = table(pairs, _distance_key, _distance, "runs", extra=_times)
    standard = ctx.world.horse_standard(horse_id) or {}
    return {"id": horse_id, "horse": standard.get("name", ""),
            **{k: standard.get(k, "") for k in ("sire", "sire_id", "dam", "dam_id", "damsire", "damsire_id")},
            "total_runs": len(pairs), "distances": rows, "query": ctx.echo}


def _times(members: Pairs) -> Body:
    return {"times": [{"date": race.date.isoformat(), "region": race.region, "course": race.course.name,
                       "time": race_time_text(run.time) if run.time is not None else "-",
                       "going": race.going, "position": run.position} for race, run in members]}
