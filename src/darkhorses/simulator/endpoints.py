"""Endpoint handlers: turn validated parameters into response bodies from the world.

Each handler gets a :class:`Context` (world, config, the simulator's idea of now) plus the
parsed query values and path parameters, and returns the body or raises ``ContractError``.
Plans, auth, limits and faults are the app's business, not the handlers'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from darkhorses.simulator import courses as course_data
from darkhorses.simulator.config import SimulatorConfig
from darkhorses.simulator.contract import (
    COURSES, RACECARD_PRO, RESULT_FILTERS, ContractError, Encoded, Param, detail_error, envelope, not_found,
    page, parse_date, results_paging)
from darkhorses.simulator.day import Race
from darkhorses.simulator.filters import race_filter
from darkhorses.simulator.world import World

Body = dict[str, Any]
PRO_RACECARDS_FROM = dt.date(2023, 1, 23)
HISTORY_FLOOR = dt.date(1988, 1, 1)
ROLLING_DAYS = 365
_HISTORY_MESSAGE = "Results older than 12 months need the historical results add-on"


@dataclass
class Context:
    """What a handler may look at for one request."""

    world: World
    config: SimulatorConfig
    now: dt.datetime
    values: dict[str, Any]
    echo: list[list[str]]
    path: dict[str, str]

    @property
    def dialect(self) -> str:
        return self.config.dialect

    @property
    def today(self) -> dt.date:
        return self.world.today


@dataclass(frozen=True)
class Endpoint:
    """A route of the contract: its template, minimum plan, rate-limit family and parameters."""

    template: str
    plan: str | Mapping[str, str]
    family: str
    params: Callable[[str], tuple[Param, ...]]
    handler: Callable[[Context], Any]

    def plan_in(self, dialect: str) -> str:
        """The minimum plan; a mapping gives one per dialect where the API moved an endpoint."""
        return self.plan if isinstance(self.plan, str) else self.plan[dialect]


def refuse_window(ctx: Context, message: str) -> None:
    """Refuse dates outside the account's window as configured (422, 401), unless ``empty``."""
    mode = ctx.config.out_of_window
    if mode != "empty":
        raise detail_error(int(mode), message)


def _envelope(key: str, pieces: list[bytes], total: int, ctx: Context) -> Encoded:
    return envelope(key, pieces, total, ctx.values["limit"], ctx.values["skip"], ctx.echo)


# -- reference ---------------------------------------------------------------------------------------

def courses(ctx: Context) -> Body:
    items = ctx.world.courses(ctx.values["region_codes"])
    return {"courses": items, "total": len(items)}


def regions(ctx: Context) -> list[Body]:
    return course_data.regions()


# -- racecards ------------------------------------------------------------------------------------------

def _racecard_window(ctx: Context, day: dt.date) -> bool:
    return PRO_RACECARDS_FROM <= day <= ctx.world.last_date


def racecards_pro(ctx: Context) -> Encoded:
    day = parse_date(ctx.values["date"], "date") if ctx.values["date"] else ctx.today
    if not _racecard_window(ctx, day):
        refuse_window(ctx, f"Pro racecards are available from {PRO_RACECARDS_FROM} to {ctx.world.last_date}")
        return _envelope("racecards", [], 0, ctx)
    pieces = ctx.world.card_pieces(day, ctx.dialect)
    if ctx.values["course_ids"]:
        wanted = set(ctx.values["course_ids"])
        pieces = tuple(p for p in pieces if p[0].course.id in wanted)
    elif ctx.values["region_codes"]:
        regions_wanted = {code.lower() for code in ctx.values["region_codes"]}
        pieces = tuple(p for p in pieces if p[0].course.region_code in regions_wanted)
    items = [piece for _, piece in page(pieces, ctx.values["skip"], ctx.values["limit"])]
    return _envelope("racecards", items, len(pieces), ctx)


def racecard_pro(ctx: Context) -> Encoded:
    race = ctx.world.race(ctx.path["race_id"])
    if race is None or not _racecard_window(ctx, race.date):
        raise not_found()
    return Encoded(next(piece for r, piece in ctx.world.card_pieces(race.date, ctx.dialect) if r.seq == race.seq))


# -- results -------------------------------------------------------------------------------------------

def result_window(ctx: Context) -> tuple[dt.date, dt.date] | None:
    """Dates of a results query after defaults and checks; None when outside the account's window."""
    values = ctx.values
    end = parse_date(values["end_date"], "end_date") if values["end_date"] else ctx.today
    start = (parse_date(values["start_date"], "start_date") if values["start_date"]
             else end - dt.timedelta(days=ROLLING_DAYS))
    if ctx.dialect == "2026" and (end - start).days > ROLLING_DAYS:
        raise detail_error(422, "The date range must not exceed 365 days")
    if start > end:
        raise detail_error(422, "start_date must not be after end_date")
    if not ctx.config.history_addon and start < ctx.today - dt.timedelta(days=ROLLING_DAYS):
        return None
    return max(start, HISTORY_FLOOR), end


def results(ctx: Context) -> Encoded:
    window = result_window(ctx)
    if window is None:
        refuse_window(ctx, _HISTORY_MESSAGE)
        return _envelope("results", [], 0, ctx)
    return results_between(ctx, *window, race_filter(ctx.values))


def results_between(ctx: Context, start: dt.date, end: dt.date, keep: Callable[[Race], bool]) -> Encoded:
    """A newest-first page of resulted races in [start, end] matching ``keep``.

    Counting uses the cheap day plans; only the days the page touches are generated in full.
    """
    world, now = ctx.world, ctx.now
    skip, limit = ctx.values["skip"], ctx.values["limit"]
    wanted: list[tuple[dt.date, set[str]]] = []
    total = 0
    day = end
    while day >= start:
        ids = {r.race_id for r in world.plan(day) if keep(r) and world.is_resulted(r, now)}
        if ids:
            wanted.append((day, ids))
            total += len(ids)
        day -= dt.timedelta(days=1)
    items: list[bytes] = []
    seen = 0
    for day, ids in wanted:
        if seen + len(ids) <= skip:
            seen += len(ids)
            continue
        for race, piece in world.result_pieces(day, ctx.dialect):
            if race.race_id in ids:
                if seen >= skip:
                    items.append(piece)
                seen += 1
            if len(items) == limit:
                break
        if len(items) == limit:
            break
    return _envelope("results", items, total, ctx)


def results_today(ctx: Context) -> Encoded:
    day = ctx.today
    return results_between(ctx, day, day, race_filter(ctx.values))


def result(ctx: Context) -> Encoded:
    race = ctx.world.race(ctx.path["race_id"])
    if race is None or not ctx.world.is_resulted(race, ctx.now):
        raise not_found()
    if not ctx.config.history_addon and race.date < ctx.today - dt.timedelta(days=ROLLING_DAYS):
        refuse_window(ctx, _HISTORY_MESSAGE)
        raise not_found()
    return Encoded(next(piece for r, piece in ctx.world.result_pieces(race.date, ctx.dialect) if r.seq == race.seq))


# -- horses -------------------------------------------------------------------------------------------

def horse_pro(ctx: Context) -> Body:
    body = ctx.world.horse_pro(ctx.path["horse_id"])
    if body is None:
        raise not_found()
    return body


def horse_standard(ctx: Context) -> Body:
    body = ctx.world.horse_standard(ctx.path["horse_id"])
    if body is None:
        raise not_found()
    return body


def no_params(dialect: str) -> tuple[Param, ...]:
    return ()


CORE: tuple[Endpoint, ...] = (
    Endpoint("/v1/courses/regions", "free", "courses", no_params, regions),
    Endpoint("/v1/courses", "free", "courses", lambda d: COURSES, courses),
    Endpoint("/v1/racecards/pro", "pro", "racecards", lambda d: RACECARD_PRO, racecards_pro),
    Endpoint("/v1/racecards/{race_id}/pro", "pro", "default", no_params, racecard_pro),
    Endpoint("/v1/results/today", "basic", "default",
             lambda d: (Param("region", "list"),) + results_paging(d, skip_max=None), results_today),
    Endpoint("/v1/results", "standard", "default", lambda d: RESULT_FILTERS + results_paging(d), results),
    Endpoint("/v1/results/{race_id}", "standard", "default", no_params, result),
    Endpoint("/v1/horses/{horse_id}/pro", "pro", "default", no_params, horse_pro),
    Endpoint("/v1/horses/{horse_id}/standard", "standard", "default", no_params, horse_standard),
)


__all__ = ["CORE", "Context", "ContractError", "Endpoint"]
