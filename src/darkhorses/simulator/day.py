"""One racing day: the meetings, races, declared runners and what happened in each race.

A day is generated in steps so that wide date-range queries stay cheap:

* :func:`plan_day` lays out meetings and races (course, time, type, class, distance, going,
  prize) from the day's own random stream; it is enough to count and filter races.
* :func:`field_numbers` draws which horses are declared for each race from the cohort tables
  alone; it is enough to find the days a horse ran on.
* :func:`run_day` declares the runners of every race and decides the result: starting prices
  from the market's view of each runner, the finishing order drawn from each runner's true
  chance (the market's view plus the hidden sire and jockey edges), falls and pull-ups over
  jumps, beaten distances, times and prize money. The result is therefore consistent with the
  starting prices, yet jockeys and sires with an edge beat the market.

Everything here is numbers and ids; the API's words and text formats are added by ``render``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from darkhorses.london import LONDON
from darkhorses.simulator.courses import Course, all_courses
from darkhorses.simulator.habits import LONG_IDS_FROM
from darkhorses.simulator.population import (
    FIRST_COHORT, FLAT, JUMPS, History, Horse, Person, Population, horse_number)
from darkhorses.simulator.racing import GOING_AW, GOING_IRE_EXTRA, GOING_TURF, LADDER, nearest_step, sp_decimal
from darkhorses.simulator.rng import normal, pick, stream, uniform_stream

EPOCH = dt.date(1988, 1, 1)
RACE_BASE = 20_000_000
RACES_PER_DAY_MAX = 100
LONG_RACE_BASE = 10_000_000_000
"""Race ids of 11 digits from :data:`~darkhorses.simulator.habits.LONG_IDS_FROM`, as the API's are."""

# Share of the winner's prize paid to each place.
PLACE_SHARES = (1.0, 0.4692, 0.2344, 0.1173, 0.0585, 0.03)
NON_FINISH = {"Hurdle": (0.07, ("PU", "PU", "PU", "F", "F", "UR", "UR", "BD", "RO")),
              "Chase": (0.14, ("PU", "PU", "PU", "F", "F", "F", "UR", "UR", "BD", "RO")),
              "NH Flat": (0.01, ("PU",)), "Flat": (0.004, ("PU", "UR"))}
SECONDS_PER_FURLONG = {"Flat": 12.2, "Hurdle": 14.2, "Chase": 14.6, "NH Flat": 13.6}
GOING_FACTOR = {"Firm": 0.975, "Good To Firm": 0.985, "Good": 1.0, "Good To Soft": 1.025,
                "Soft": 1.055, "Heavy": 1.1, "Yielding": 1.02, "Yielding To Soft": 1.04,
                "Good To Yielding": 1.01, "Standard": 1.0, "Standard To Slow": 1.015,
                "Standard To Fast": 0.99}
MARKET_BETA = 1.7


@dataclass(slots=True, eq=False)
class Entry:
    """A declared runner: connections and weights as declared, then the result."""

    horse: Horse
    age: int
    jockey: Person
    claim: int
    trainer: Person
    prev_trainers: History
    owner: Person
    prev_owners: History
    lbs: int
    draw: int
    ofr: int | None
    rpr: int | None
    ts: int | None
    non_runner: str | None
    market: float = 0.0
    true: float = 0.0
    number: int = 0
    step: int = 0
    fav: str = ""
    position: str = ""
    btn: float | None = None
    ovr_btn: float | None = None
    time: float | None = None
    prize: float = 0.0
    race_rpr: int | None = None
    tsr: int | None = None
    bsp: float | None = None

    @property
    def price(self) -> Fraction:
        """The starting price as a fraction (``step`` is its place on the bookmakers' ladder)."""
        return LADDER[self.step]

    @property
    def sp_decimal(self) -> float:
        """Decimal odds, stake included: what A/E and level-stakes profit are computed from."""
        return sp_decimal(self.step)


@dataclass(slots=True)
class Race:
    """One race of the day; ``entries`` is empty until :func:`run_day` has run."""

    race_id: str
    seq: int
    date: dt.date
    course: Course
    off: dt.datetime
    race_type: str
    race_class: int | None
    pattern: str
    handicap: bool
    rating_band: str
    min_age: int
    max_age: int
    age_band: str
    sex_restriction: str
    yards: int
    going: str
    going_detailed: str
    surface: str
    prize: float
    name: str
    big_race: bool
    abandoned: bool
    field_target: int
    result_delay: int
    entries: list[Entry] = field(default_factory=list)
    winning_time: float = 0.0
    standard_time: float | None = None

    @property
    def code(self) -> str:
        return FLAT if self.race_type == "Flat" else JUMPS

    @property
    def region(self) -> str:
        return self.course.region

    @property
    def runners(self) -> list[Entry]:
        """Horses that started (declared runners minus non-runners)."""
        return [e for e in self.entries if e.non_runner is None]


def race_id_for(day: dt.date, seq: int) -> str:
    base = LONG_RACE_BASE if day >= LONG_IDS_FROM else RACE_BASE
    return f"rac_{base + (day - EPOCH).days * RACES_PER_DAY_MAX + seq}"


def race_id_parts(race_id: str) -> tuple[dt.date, int] | None:
    """The date and sequence number a race id encodes (None when it cannot be ours)."""
    if not race_id.startswith("rac_") or not race_id[4:].isdigit():
        return None
    number = int(race_id[4:])
    offset = number - (LONG_RACE_BASE if number >= LONG_RACE_BASE else RACE_BASE)
    if offset < 0:
        return None
    days, seq = divmod(offset, RACES_PER_DAY_MAX)
    day = EPOCH + dt.timedelta(days=days)
    return (day, seq) if (day >= LONG_IDS_FROM) == (number >= LONG_RACE_BASE) else None


# -- planning --------------------------------------------------------------------------------------

def _in_flat_turf_season(day: dt.date) -> bool:
    return (3, 25) <= (day.month, day.day) <= (11, 8)


def _course_weight(course: Course, day: dt.date) -> float:
    winter = day.month in (10, 11, 12, 1, 2, 3, 4)
    if course.kind == "aw":
        return 0.9 if not _in_flat_turf_season(day) else 0.5
    if course.kind == "flat":
        return 1.0 if _in_flat_turf_season(day) else 0.0
    if course.kind == "jumps":
        return 1.0 if winter else 0.3
    return 0.8


def _pick_courses(rng, candidates: list[Course], count: int, day: dt.date) -> list[Course]:
    """Weighted sampling without replacement (one key per course, largest keys win)."""
    keyed = []
    for course in candidates:
        weight = _course_weight(course, day)
        if weight > 0:
            keyed.append((rng.random() ** (1.0 / weight), course.id, course))
    keyed.sort(reverse=True)
    return [course for _, _, course in keyed[:count]]


def _meeting_code(rng, course: Course, day: dt.date) -> str:
    if course.kind in ("flat", "aw"):
        return FLAT
    if course.kind == "jumps":
        return JUMPS
    return FLAT if _in_flat_turf_season(day) and (5 <= day.month <= 9 or rng.random() < 0.4) else JUMPS


def _going(rng, course: Course, day: dt.date) -> tuple[str, str]:
    if course.kind == "aw":
        return rng.choice(GOING_AW[:1] * 6 + GOING_AW[1:]), ""
    base = 1.4 if 5 <= day.month <= 9 else 3.3
    index = min(5, max(0, round(rng.gauss(base, 1.0))))
    going = GOING_TURF[index]
    if course.region == "IRE" and 2 <= index <= 4 and rng.random() < 0.35:
        going = GOING_IRE_EXTRA[index - 2]
    detailed = ""
    if rng.random() < 0.3 and index < 5:
        detailed = f"{going} ({GOING_TURF[index + 1]} in places)"
    return going, detailed


_FLAT_FURLONGS = (5, 5, 6, 6, 7, 7, 8, 8, 8, 9, 10, 10, 11, 12, 12, 14, 16, 18)
_JUVENILE_FURLONGS = (5, 5, 6, 6, 7, 7, 8)
_JUMP_FURLONGS = {"Hurdle": (16, 16, 17, 19, 20, 21, 22, 24, 25, 26),
                  "Chase": (16, 17, 19, 20, 21, 22, 24, 25, 26, 28, 29, 32),
                  "NH Flat": (13, 16, 16, 17)}
_FLAT_CLASS = ((1, 0.04), (2, 0.07), (3, 0.1), (4, 0.2), (5, 0.25), (6, 0.26), (7, 0.08))
_JUMP_CLASS = ((1, 0.05), (2, 0.08), (3, 0.25), (4, 0.4), (5, 0.22))
_BAND = {FLAT: {2: "0-105", 3: "0-95", 4: "0-85", 5: "0-75", 6: "0-65", 7: "0-50"},
         JUMPS: {2: "0-145", 3: "0-135", 4: "0-120", 5: "0-100"}}
_PRIZE = {1: (25_000, 300_000), 2: (12_000, 40_000), 3: (6_500, 12_000), 4: (4_500, 7_000),
          5: (3_200, 4_800), 6: (2_800, 3_600), 7: (2_400, 3_000)}
_SPONSORS = ("BetWright", "Sky Bet", "William Hill", "At The Races", "Racing TV", "Coral",
             "Betfred", "Virgin Bet", "Bet365", "Paddy Power", "Boylesports", "Tote",
             "Download The At The Races App", "Follow Us On Social Media", "Jenningsbet")
_FEATURE = ("Champion", "Gold Cup", "Trophy", "Cup", "Challenge", "Classic", "Derby Trial",
            "Sprint", "Mile", "Festival", "Memorial", "Plate")


def _pick_class(rng, table: tuple[tuple[int, float], ...]) -> int:
    value = rng.random()
    for cls, weight in table:
        value -= weight
        if value < 0:
            return cls
    return table[-1][0]


def _plan_race(rng, seed: int, day: dt.date, seq: int, course: Course, code: str, off: dt.datetime,
               last_of_meeting: bool, abandoned_meeting: bool) -> Race:
    month = day.month
    domestic = course.domestic
    sex_restriction = ""
    if code == FLAT:
        race_type = "Flat"
        juvenile = rng.random() < (0.25 if 6 <= month <= 10 else 0.08 if month in (4, 5) else 0.0)
        three_only = not juvenile and rng.random() < (0.12 if 3 <= month <= 8 else 0.04)
        race_class = _pick_class(rng, _FLAT_CLASS) if domestic else None
        if juvenile:
            min_age, max_age, age_band = 2, 2, "2yo"
        elif three_only:
            min_age, max_age, age_band = 3, 3, "3yo"
        else:
            min_age = 3 if month >= 5 or rng.random() < 0.5 else 4
            max_age, age_band = 10, f"{min_age}yo+"
        furlongs = rng.choice(_JUVENILE_FURLONGS if juvenile else _FLAT_FURLONGS)
        handicap = domestic and race_class not in (None, 1) and rng.random() < (0.15 if juvenile else 0.6)
        if rng.random() < 0.08:
            sex_restriction = "F"
    else:
        roll = rng.random()
        race_type = "NH Flat" if (last_of_meeting and roll < 0.5) or roll < 0.1 else (
            "Hurdle" if roll < 0.6 else "Chase")
        race_class = _pick_class(rng, _JUMP_CLASS)
        if race_type == "NH Flat":
            race_class = max(race_class, 5)
            min_age, max_age, age_band = 4, 6, "4-6yo"
        elif race_type == "Hurdle":
            min_age, max_age, age_band = 4, 13, "4yo+"
        else:
            min_age, max_age, age_band = 5, 13, "5yo+"
        furlongs = rng.choice(_JUMP_FURLONGS[race_type])
        handicap = race_type != "NH Flat" and race_class != 1 and rng.random() < 0.5
        if rng.random() < 0.08:
            sex_restriction = "M"
    yards = furlongs * 220 + (rng.randint(1, 180) if rng.random() < 0.7 else 0)
    pattern = ""
    if race_class == 1 or (not domestic):
        pattern = rng.choice(("Group 1", "Group 2", "Group 3", "Listed", "Listed")) if code == FLAT else (
            rng.choice(("Grade 1", "Grade 2", "Grade 3", "Listed")))
    going, going_detailed = _going(rng, course, day)
    if domestic:
        low, high = _PRIZE[race_class or 1]
        prize = rng.uniform(low, high) * (1.15 if course.region == "IRE" else 1.0)
    else:
        low, high = (60_000, 1_500_000)
        prize = rng.uniform(low, high)
    big = pattern in ("Group 1", "Group 2", "Grade 1", "Grade 2")
    name = _race_name(rng, race_type, handicap, pattern, sex_restriction, juvenile=min_age == max_age == 2)
    if handicap:
        target = rng.randint(18, 30) if race_class == 2 and rng.random() < 0.15 else rng.randint(6, 16)
    elif code == FLAT:
        target = rng.randint(4, 14)
    else:
        target = rng.randint(4, 14)
    if rng.random() < 0.05:
        target = rng.randint(2, 4)
    return Race(
        race_id=race_id_for(day, seq), seq=seq, date=day, course=course, off=off,
        race_type=race_type, race_class=race_class, pattern=pattern, handicap=handicap,
        rating_band=_BAND[code].get(race_class or 0, "") if handicap else "",
        min_age=min_age, max_age=max_age, age_band=age_band, sex_restriction=sex_restriction,
        yards=yards, going=going, going_detailed=going_detailed,
        surface="AW" if course.kind == "aw" else "Turf", prize=round(prize, 2), name=name,
        big_race=big, abandoned=abandoned_meeting or rng.random() < 0.003, field_target=target,
        result_delay=rng.randint(3, 15),
    )


def _race_name(rng, race_type: str, handicap: bool, pattern: str, sex: str, juvenile: bool) -> str:
    sponsor = rng.choice(_SPONSORS)
    who = {"F": "Fillies' ", "M": "Mares' "}.get(sex, "")
    if pattern:
        kind = "Stakes" if race_type == "Flat" else race_type.replace("NH Flat", "National Hunt Flat Race")
        return f"{sponsor} {rng.choice(_FEATURE)} {who}{kind} ({pattern})"
    if race_type == "Flat":
        core = ("Nursery Handicap" if juvenile else "Handicap") if handicap else rng.choice(
            ("Maiden Stakes", "Novice Stakes", "Conditions Stakes", "Classified Stakes"))
    elif race_type == "NH Flat":
        core = "Standard Open National Hunt Flat Race"
    else:
        core = f"Handicap {race_type}" if handicap else rng.choice(
            (f"Novices' {race_type}", f"Maiden {race_type}" if race_type == "Hurdle" else "Beginners' Chase"))
    suffix = " (GBB Race)" if race_type != "Flat" and rng.random() < 0.1 else ""
    return f"{sponsor} {who}{core}{suffix}"


def _first_off(rng, course: Course, code: str, day: dt.date) -> tuple[int, int]:
    if course.region == "AUS":
        return rng.randint(3, 6), 0
    if course.region == "USA":
        return rng.randint(19, 22), 30
    evening = (course.kind == "aw" and rng.random() < 0.35) or (
        code == FLAT and 5 <= day.month <= 8 and rng.random() < 0.25)
    if evening:
        return rng.randint(16, 18), rng.choice((0, 15, 30, 45))
    return rng.randint(12, 13), rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50))


def plan_day(seed: int, day: dt.date) -> list[Race]:
    """Meetings and races of ``day`` (no runners yet), in off-time order."""
    rng = stream(seed, "day", day.isoformat())
    courses = all_courses()
    meetings: list[Course] = []
    if (day.month, day.day) not in ((12, 24), (12, 25)):
        weekend = day.weekday() >= 5
        count = rng.choice((6, 7, 7, 8, 8, 9)) + (1 if weekend else 0)
        irish = rng.choice((1, 1, 2, 2, 3))
        meetings += _pick_courses(rng, [c for c in courses if c.region == "IRE"], irish, day)
        meetings += _pick_courses(rng, [c for c in courses if c.region == "GB"], count - irish, day)
    if rng.random() < 0.3:
        foreign = [c for c in courses if not c.domestic
                   and (c.region != "FR" or _in_flat_turf_season(day))]
        meetings += _pick_courses(rng, foreign, rng.randint(1, 2), day)
    races: list[Race] = []
    for course in meetings:
        code = _meeting_code(rng, course, day)
        count = rng.choice((5, 6, 6, 7, 7, 7, 8)) if course.domestic else rng.randint(1, 3)
        hour, minute = _first_off(rng, course, code, day)
        start = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)
        gap = rng.choice((30, 30, 35)) if course.domestic else 40
        abandoned = rng.random() < 0.01
        for n in range(count):
            off = start + dt.timedelta(minutes=gap * n)
            races.append(_plan_race(rng, seed, day, len(races), course, code, off, n == count - 1, abandoned))
    races.sort(key=lambda r: (r.off, r.course.name, r.seq))
    return races


# -- runners and results ------------------------------------------------------------------------------

_NR_REASONS = ("unsuitable ground", "self certificate", "vet's certificate", "travel problems",
               "stewards' decision", "self certificate, colic", "self certificate, abscess")
_WEIGHT_EXTRA = (0, 0, 0, 3, 7)
_JUMP_WEIGHT_EXTRA = (0, 0, 0, 4, 7)
_CLOSE_FINISHES = (0.05, 0.1, 0.2, 0.3)


def field_numbers(pop: Population, seed: int, races: list[Race]) -> list[list[int]]:
    """The horse numbers declared for each race of one day, in race order.

    Fields come from their own stream per race and only from the cohort tables, so who ran on a
    day can be known without building horses or results; a horse is declared once a day.
    """
    used: set[int] = set()
    return [_field(uniform_stream(seed, "field", race.race_id), pop, race, used) for race in races]


def _field(uniform, pop: Population, race: Race, used: set[int]) -> list[int]:
    """Sample the field from horses of the right code, age and country who are in training."""
    code = race.code
    year = race.date.year
    home = race.region
    regions = (home, "IRE" if home == "GB" else "GB") if race.course.domestic else (home,)
    pools = []
    for age in range(race.min_age, race.max_age + 1):
        foal_year = year - age
        if foal_year < FIRST_COHORT:
            break
        cohort, pools_of_year = pop.cohort(foal_year), pop.pools(foal_year)
        for region in regions:
            pool = pools_of_year.get((code, age, region), ())
            if pool:
                pools.append((cohort, pool, len(pool) if region == home else len(pool) // 12))
    total = sum(weight for _, _, weight in pools)
    numbers: list[int] = []
    if not total:
        return numbers
    females_only = bool(race.sex_restriction)
    for _ in range(race.field_target):
        for _attempt in range(12):
            chosen = int(uniform() * total)
            for cohort, pool, weight in pools:
                if chosen < weight:
                    break
                chosen -= weight
            index = pool[int(uniform() * len(pool))]
            if females_only and not cohort.female[index]:
                continue
            num = horse_number(cohort.year, index)
            if num in used:
                continue
            used.add(num)
            numbers.append(num)
            break
    return numbers


def _declare(uniform, pop: Population, race: Race, horses: list[Horse]) -> list[Entry]:
    year = race.date.year
    entries = []
    booked: set[str] = set()
    jockey_region = race.region if race.region in ("GB", "IRE", "FR", "USA", "AUS") else "GB"
    jockeys = pop.jockeys_for(jockey_region, race.code, year)
    flat = race.code == FLAT
    peak = 4 if flat else 8
    low, slope, floor, ceiling = (70, 18, 20, 130) if flat else (110, 20, 60, 175)
    extras = _WEIGHT_EXTRA if flat else _JUMP_WEIGHT_EXTRA
    nr_possible = race.course.domestic and len(horses) > 2
    for horse in horses:
        age = year - horse.year
        for _attempt in range(6):
            jockey = pick(jockeys, uniform())
            if jockey.id not in booked:
                break
        booked.add(jockey.id)
        trainer, prev_trainers = horse.trainer_on(race.date)
        owner, prev_owners = horse.owner_on(race.date)
        visible = horse.ability - 0.12 * abs(age - peak)
        rated = race.handicap or age > horse.first_age or uniform() < 0.4
        ofr = min(ceiling, max(floor, round(low + slope * visible + 3 * normal(uniform())))) if rated else None
        if ofr is not None:
            rpr: int | None = ofr + round(4 + 6 * normal(uniform()))
        else:
            rpr = round(low + slope * visible + 8 * normal(uniform())) if uniform() < 0.5 else None
        ts = rpr - int(uniform() * 36) if rpr is not None and uniform() < 0.85 else None
        female = horse.sex_code == "F"
        extra = pick(extras, uniform())
        if flat:
            lbs = 126 + 3 * (age >= 3) - 3 * female + extra
        else:
            lbs = 154 + 4 * (age >= 5) - 7 * female + extra
        non_runner = pick(_NR_REASONS, uniform()) if nr_possible and uniform() < 0.045 else None
        market = visible + jockey.skill + 0.45 * normal(uniform())
        entries.append(Entry(
            horse=horse, age=age, jockey=jockey, claim=jockey.claim_in(year), trainer=trainer,
            prev_trainers=prev_trainers, owner=owner, prev_owners=prev_owners, lbs=lbs, draw=0,
            ofr=ofr, rpr=rpr, ts=ts, non_runner=non_runner, market=market,
            true=market + horse.edge + jockey.edge,
        ))
    if race.handicap:
        top = max((e.ofr or 0) for e in entries) if entries else 0
        high, low_weight = (140, 112) if flat else (168, 140)
        for e in entries:
            e.lbs = max(low_weight, high - (top - (e.ofr or top)))
    entries.sort(key=lambda e: (-e.lbs, e.horse.name, e.horse.num))
    draws = sorted(range(1, len(entries) + 1), key=lambda _: uniform())
    for number, (entry, draw) in enumerate(zip(entries, draws), start=1):
        entry.number = number
        entry.draw = draw if flat else 0
    return entries


def _price(race: Race, runners: list[Entry]) -> None:
    """Starting prices: the market's chances with a bookmakers' margin, snapped to the ladder.

    Non-runners keep the price they had before they were withdrawn (racecards show their odds).
    """
    total = sum(math.exp(MARKET_BETA * e.market) for e in runners)
    overround = min(1.45, 1.1 + 0.012 * len(runners))
    for e in race.entries:
        e.step = nearest_step(max(1.05, total / (math.exp(MARKET_BETA * e.market) * overround)))
    best = min(e.step for e in runners)
    favourites = [e for e in runners if e.step == best]
    mark = "F" if len(favourites) == 1 else "J" if len(favourites) == 2 else "C"
    for e in favourites:
        e.fav = mark


def _lengths(uniform, jumps: bool) -> float:
    raw = -math.log(1.0 - uniform()) * (4.0 if jumps else 1.6)
    if raw < 0.4:
        return min(_CLOSE_FINISHES, key=lambda v: abs(v - raw))
    if raw < 5:
        return round(raw * 4) / 4
    if raw < 10:
        return round(raw * 2) / 2
    return float(min(99, round(raw)))


def _result(uniform, race: Race, runners: list[Entry]) -> None:
    """Finishing order, non-finishers, distances, times, prizes and ratings for one race."""
    jumps = race.code == JUMPS
    log = math.log
    scored = sorted(runners, key=lambda e: MARKET_BETA * e.true - log(-log(uniform() or 1e-12)), reverse=True)
    chance, codes = NON_FINISH[race.race_type]
    finishers, fallers = [], []
    may_fall = len(runners) > 2
    for e in scored:
        if may_fall and uniform() < chance and (finishers or fallers):
            e.position = pick(codes, uniform())
            fallers.append(e)
        else:
            finishers.append(e)
    standard = race.yards / 220 * SECONDS_PER_FURLONG[race.race_type]
    race.standard_time = round(standard, 2) if race.course.domestic else None
    race.winning_time = round(standard * GOING_FACTOR[race.going] * (1.025 + 0.015 * normal(uniform())), 2)
    seconds_per_length = 0.25 if jumps else 0.2
    rating_drop = 1.0 if jumps else 2.0
    dead_heat_at = 1 + int(uniform() * (len(finishers) - 1)) if len(finishers) > 1 and uniform() < 0.012 else -1
    overall = 0.0
    for i, e in enumerate(finishers):
        gap = 0.0 if i in (0, dead_heat_at) else _lengths(uniform, jumps)
        overall += gap
        e.btn, e.ovr_btn = gap, overall
        e.time = race.winning_time + overall * seconds_per_length
        base = e.rpr if e.rpr is not None else e.ofr
        if base is not None:
            e.race_rpr = max(1, round(base - overall * rating_drop + 4 * normal(uniform())))
            e.tsr = e.race_rpr - int(uniform() * 41) if uniform() < 0.7 else None
    if len(finishers) > 3 and uniform() < 0.004:
        disqualified = finishers.pop(int(uniform() * min(4, len(finishers))))
        disqualified.position = "DSQ"
        fallers.append(disqualified)
    for i, e in enumerate(finishers):
        dead_heat = i > 0 and e.btn == 0 and i == dead_heat_at
        e.position = finishers[i - 1].position if dead_heat else str(i + 1)
    places = min(len(finishers), 6 if len(runners) >= 12 else 5 if len(runners) >= 6 else 4)
    for i, e in enumerate(finishers[:places]):
        e.prize = round(race.prize * PLACE_SHARES[i], 2)
    if race.course.domestic:
        for e in runners:
            # an exchange price is never below 1.01
            e.bsp = max(1.01, round(sp_decimal(e.step) * math.exp(0.05 + 0.15 * normal(uniform())), 2))
    order = {id(e): rank for rank, e in enumerate(finishers + fallers)}
    race.entries.sort(key=lambda e: order.get(id(e), len(order)))


def run_day(pop: Population, seed: int, day: dt.date, fields: list[list[int]] | None = None,
            plan: Sequence[Race] | None = None) -> list[Race]:
    """The planned races of ``day`` with runners declared and results decided.

    ``fields`` (from :func:`field_numbers`) saves sampling the fields again when already known, and
    ``plan`` (the day's :func:`plan_day`, say a cached one) planning the day again: its races are
    copied (at half the cost of planning them), not changed.
    """
    races = [replace(race, entries=[]) for race in plan] if plan is not None else plan_day(seed, day)
    horse = pop.horse
    for race, numbers in zip(races, fields if fields is not None else field_numbers(pop, seed, races)):
        uniform = uniform_stream(seed, "race", race.race_id)
        race.entries = _declare(uniform, pop, race, [horse(num) for num in numbers])
        runners = race.runners
        if runners:
            _price(race, runners)
            if not race.abandoned:
                _result(uniform, race, runners)
    return races
