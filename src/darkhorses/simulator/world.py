"""The simulated racing world of one seed: ground truth for every date from 1988 to today + 7.

Nothing is stored: a date's races are generated the first time they are asked for and kept in
an LRU cache, so iterating decades is cheap in memory and a given (seed, date) always yields the
same races. This module is also the ground-truth API for tests and benchmarks: what the HTTP
simulator serves is exactly what these accessors return.
"""

from __future__ import annotations

import datetime as dt
import json
from array import array
from collections.abc import Iterator
from functools import lru_cache

from darkhorses.london import LONDON, london_today
from darkhorses.simulator.courses import all_courses
from darkhorses.simulator.day import EPOCH, Race, plan_day, race_id_parts, run_day
from darkhorses.simulator.index import DayRuns, day_runs, declared_on, fielded
from darkhorses.simulator.population import Horse, shared_population
from darkhorses.simulator import render

Body = render.Body
#: A race and its body, JSON-encoded once.
Piece = tuple[Race, bytes]
DAYS_AHEAD = 7


class World:
    """Deterministic racing world; ``today`` fixes the last date (``today + 7``) and horse ages.

    Bodies are kept encoded, one JSON fragment per race and dialect: pages are spliced from the
    fragments, so a race is rendered and encoded once however often it is served, and a cached
    day costs its bytes (about 0.5 MB of results, 3 MB of racecards) rather than its objects.
    """

    def __init__(self, seed: int = 1, today: dt.date | None = None, *, cache_days: int = 512) -> None:
        self.seed = seed
        self.today = today or london_today()
        self.first_date = EPOCH
        self.last_date = self.today + dt.timedelta(days=DAYS_AHEAD)
        self.population = shared_population(seed, self.last_date.year)
        self._days = lru_cache(maxsize=cache_days)(self._run)
        self._plans = lru_cache(maxsize=16_384)(self._plan)
        self._card_pieces = lru_cache(maxsize=16)(self._render_cards)
        self._result_pieces = lru_cache(maxsize=min(cache_days, 128))(self._render_results)
        self._race_pieces = lru_cache(maxsize=8192)(self._render_result)
        self._runs = lru_cache(maxsize=1024)(self._index_day)
        self._fielded = lru_cache(maxsize=8192)(self._field_day)

    def _in_range(self, day: dt.date) -> bool:
        return self.first_date <= day <= self.last_date

    def _run(self, day: dt.date) -> tuple[Race, ...]:
        return tuple(run_day(self.population, self.seed, day, plan=self.plan(day))) if self._in_range(day) else ()

    def _plan(self, day: dt.date) -> tuple[Race, ...]:
        return tuple(plan_day(self.seed, day)) if self._in_range(day) else ()

    # -- races ------------------------------------------------------------------------------------

    def races(self, day: dt.date) -> tuple[Race, ...]:
        """Every race of ``day`` (all regions, abandoned ones included) with runners and results."""
        return self._days(day)

    def plan(self, day: dt.date) -> tuple[Race, ...]:
        """The races of ``day`` without runners: enough to count and filter cheaply."""
        return self._plans(day)

    def race(self, race_id: str) -> Race | None:
        """The race behind a ``rac_`` id, or None."""
        parts = race_id_parts(race_id)
        if parts is None:
            return None
        day, seq = parts
        return next((r for r in self.races(day) if r.seq == seq), None)

    def dates(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        """Dates from ``start`` to ``end`` inclusive, clipped to the world's range."""
        day = max(start, self.first_date)
        last = min(end, self.last_date)
        while day <= last:
            yield day
            day += dt.timedelta(days=1)

    @staticmethod
    def result_time(race: Race) -> dt.datetime:
        """When the result is published: some minutes after the off."""
        return race.off + dt.timedelta(minutes=race.result_delay)

    def is_resulted(self, race: Race, now: dt.datetime | None = None) -> bool:
        """Run, not abandoned, on or before today, and (given ``now``) published by then."""
        if race.abandoned or race.date > self.today:
            return False
        return now is None or self.result_time(race) <= now

    # -- API-shaped ground truth --------------------------------------------------------------------

    def _render_cards(self, day: dt.date, dialect: str) -> tuple[Piece, ...]:
        ordered = sorted(self.races(day), key=lambda r: (r.course.name, r.off, r.seq))
        return tuple((r, render.racecard_pro(self.population, r, dialect)) for r in ordered)

    def card_pieces(self, day: dt.date, dialect: str = "2026") -> tuple[Piece, ...]:
        """Each race of ``day`` with its encoded ``RacecardOddsPro``, ordered by course then time."""
        return self._card_pieces(day, dialect)

    def racecards(self, day: dt.date, dialect: str = "2026") -> tuple[Body, ...]:
        """``/v1/racecards/pro`` items for ``day`` (every region), ordered by course then time."""
        return tuple(json.loads(piece) for _, piece in self.card_pieces(day, dialect))

    def _render_results(self, day: dt.date, dialect: str) -> tuple[Piece, ...]:
        ordered = sorted((r for r in self.races(day) if self.is_resulted(r)),
                         key=lambda r: (r.off, r.seq), reverse=True)
        return tuple((r, render.result(self.population, r, dialect)) for r in ordered)

    def result_pieces(self, day: dt.date, dialect: str = "2026") -> tuple[Piece, ...]:
        """Resulted races of ``day`` (newest first), each with its encoded ``Result``."""
        return self._result_pieces(day, dialect)

    def results(self, day: dt.date, dialect: str = "2026", now: dt.datetime | None = None) -> list[Body]:
        """``/v1/results`` items for ``day``, newest first; ``now`` hides results not yet published."""
        return [json.loads(piece) for race, piece in self.result_pieces(day, dialect)
                if now is None or self.result_time(race) <= now]

    def _render_result(self, race_id: str, dialect: str) -> bytes:
        race = self.race(race_id)
        assert race is not None, race_id
        return render.result(self.population, race, dialect)

    def result_piece(self, race_id: str, dialect: str = "2026") -> bytes:
        """One resulted race's encoded ``Result`` (entity pages take races from many days)."""
        return self._race_pieces(race_id, dialect)

    def _index_day(self, day: dt.date) -> DayRuns:
        # Generated outside the day cache: a 365-day scan would otherwise hold a year of runner
        # objects (~300 MB); pages regenerate and cache only the days they show.
        return day_runs(self.population, self._run(day), self.plan(day))

    def runs(self, day: dt.date) -> DayRuns:
        """The resulted races of ``day`` (as planned, newest first) with a record per starter."""
        return self._runs(day)

    def _field_day(self, day: dt.date) -> array:
        return fielded(self.population, self.seed, self.plan(day))

    def declared(self, day: dt.date, horse: int) -> bool:
        """Whether horse number ``horse`` was declared on ``day`` (cheap: no horses are built)."""
        return declared_on(self._fielded(day), horse)

    def horse(self, horse_id: str) -> Horse | None:
        """The horse behind ``hrs_N`` (or None)."""
        return self.population.horse_by_id(horse_id)

    def horse_pro(self, horse_id: str) -> Body | None:
        """``/v1/horses/{id}/pro`` body; None (404) for unknown ids and horses without a profile."""
        horse = self.horse(horse_id)
        if horse is None or not horse.has_pro:
            return None
        return render.horse_pro(self.population, horse, self.today)

    def horse_standard(self, horse_id: str) -> Body | None:
        """``/v1/horses/{id}/standard`` body; None (404) for unknown ids."""
        horse = self.horse(horse_id)
        return render.horse_standard(self.population, horse) if horse is not None else None

    @staticmethod
    def courses(region_codes: list[str] | None = None) -> list[Body]:
        """``/v1/courses`` items, optionally for some region codes."""
        wanted = {code.lower() for code in region_codes} if region_codes else None
        return [c.as_api() for c in all_courses() if wanted is None or c.region_code in wanted]


def today_at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Europe/London wall-clock time, for tests and clocks."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)
