"""The people and horses of the synthetic world, each generated on demand from its id.

Horses come in foal-year cohorts. A horse's number encodes its cohort and index
(``hrs_<10_000_000 + (year - 1965) * 100_000 + index>``, with a base of 17_000_000_000 from the
2024 cohort on: the API's ids grew to 11 digits), so any id can be turned back into the
horse without a stored database, and a sire/dam/damsire id (``sir_N``/``dam_N``/``dsi_N``) is the
horse ``hrs_N``. The first indices of a cohort are the colts that go to stud and the fillies that
become broodmares; so every pedigree is made of real horses of the same world, with racing
careers of their own (some stallions race on while their first crops do, as dual-purpose sires).

Each cohort also keeps a cheap table of who races where and when (flat or jumps, country of
training, first and last racing age). Day generation samples runners from that table without
building full horse profiles for horses it rejects.

Hidden edges give analysts something to find: some stallions pass on more ability than their
progeny's ratings show, and some jockeys ride better than the market allows for. Neither edge is
visible to the simulated market that sets the starting prices, so their A/E sits above 1.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from darkhorses.simulator import names
from darkhorses.simulator.habits import LONG_ID_COHORT
from darkhorses.simulator.rng import Uniform, between, entity_uniform, mix64, normal, pick, stream


FIRST_COHORT = 1965
COHORT_SIZE = 9000
HORSE_BASE = 10_000_000
LONG_HORSE_BASE = 17_000_000_000
COHORT_STRIDE = 100_000
STALLIONS = 60
DUAL_PURPOSE = 0.3
"""The share of stallions that keep racing for years after they start at stud."""
MARES_END = 2400
JOCKEY_BASE, JOCKEYS = 300_000, 1600
TRAINER_BASE, TRAINERS = 100_000, 1000
OWNER_BASE, OWNERS = 1_000_000, 8000

FLAT, JUMPS = "F", "J"
TRAIN_REGIONS = {FLAT: (("GB", 0.6), ("IRE", 0.27), ("FR", 0.06), ("USA", 0.035), ("AUS", 0.035)),
                 JUMPS: (("GB", 0.66), ("IRE", 0.3), ("FR", 0.04))}
BREED_REGIONS = (("GB", 0.45), ("IRE", 0.4), ("FR", 0.1), ("USA", 0.03), ("GER", 0.02))
COLOURS = (("b", "B", 0.55), ("br", "BR", 0.12), ("ch", "CH", 0.2), ("gr", "GR", 0.1), ("bl", "BL", 0.03))
_HORSE, _STUD, _JOCKEY, _TRAINER, _OWNER = range(1, 6)
HEADGEAR = ("p", "b", "h", "t", "v", "tp", "hp", "ht", "bt", "vt")


def _weighted(rng_value: float, table: tuple[tuple[str, float], ...]) -> str:
    """Pick from ``(value, weight)`` pairs whose weights sum to 1 with one uniform draw."""
    for value, weight in table:
        rng_value -= weight
        if rng_value < 0:
            return value
    return table[-1][0]


def horse_number(year: int, index: int) -> int:
    """The number behind ``hrs_N`` for a cohort and index (11 digits from :data:`LONG_ID_COHORT`)."""
    return (LONG_HORSE_BASE if year >= LONG_ID_COHORT else HORSE_BASE) + (year - FIRST_COHORT) * COHORT_STRIDE + index


def split_horse_number(num: int) -> tuple[int, int] | None:
    """Cohort year and index of a horse number, or None when no such horse can exist."""
    offset = num - (LONG_HORSE_BASE if num >= LONG_HORSE_BASE else HORSE_BASE)
    if offset < 0:
        return None
    cohort, index = divmod(offset, COHORT_STRIDE)
    if index >= COHORT_SIZE or (FIRST_COHORT + cohort >= LONG_ID_COHORT) != (num >= LONG_HORSE_BASE):
        return None
    return FIRST_COHORT + cohort, index


@dataclass(frozen=True, slots=True)
class Person:
    """A jockey, trainer or owner. ``skill`` is seen by the market; ``edge`` is not."""

    id: str
    name: str
    region: str
    code: str
    first_year: int
    last_year: int
    skill: float = 0.0
    edge: float = 0.0
    claim: int = 0
    location: str = ""

    def claim_in(self, year: int) -> int:
        """Apprentice/conditional allowance: 7, 5, 3 lb in the first seasons, then none."""
        if not self.claim:
            return 0
        season = year - self.first_year
        return (7, 5, 3)[season] if season < 3 else 0


@dataclass(frozen=True, slots=True)
class Cohort:
    """Who races where and when, for one foal year; index-aligned lists."""

    year: int
    code: tuple[str, ...]
    region: tuple[str, ...]
    female: tuple[bool, ...]
    first_age: tuple[int, ...]
    last_age: tuple[int, ...]


class Identity(NamedTuple):
    """What a pedigree shows of a horse: name, breeding country and parents' numbers (a named
    tuple: pedigrees make hundreds a day, and a tuple is the cheapest immutable record)."""

    num: int
    name: str
    breed_region: str
    sire: int | None
    dam: int | None

    @property
    def display_name(self) -> str:
        """The name with its breeding-country suffix, as results and profiles print it."""
        return f"{self.name} ({self.breed_region})"


#: Connections with the dates they started: a horse's trainers or owners, or a runner's earlier ones.
History = tuple[tuple[dt.date, Person], ...]


@dataclass(slots=True, eq=False)
class Horse:
    """Everything fixed about a horse for life. Names never carry the country suffix here.

    Not declared frozen although never changed: a frozen dataclass sets each of its 24 fields
    through ``object.__setattr__``, which made up a fifth of the cost of meeting a new horse.
    """

    num: int
    name: str
    year: int
    index: int
    breed_region: str
    sex_code: str  # C (entire male), F (female), G (gelding)
    colour: str
    colour_code: str
    dob: dt.date
    breeder: str
    code: str
    train_region: str
    first_age: int
    last_age: int
    sire: int | None
    dam: int | None
    ability: float
    edge: float
    trainers: History
    owners: History
    has_pro: bool
    headgear: str
    stud_quality: float
    stud_edge: float

    @property
    def id(self) -> str:
        return f"hrs_{self.num}"

    @property
    def display_name(self) -> str:
        """The name with its breeding-country suffix, as results and profiles print it."""
        return f"{self.name} ({self.breed_region})"

    def sex_on(self, year: int) -> tuple[str, str]:
        """(sex, sex_code) in a given year: colts become horses and fillies mares at five."""
        age = year - self.year
        if self.sex_code == "G":
            return "gelding", "G"
        if self.sex_code == "F":
            return ("filly", "F") if age < 5 else ("mare", "M")
        return ("colt", "C") if age < 5 else ("horse", "H")

    def trainer_on(self, day: dt.date) -> tuple[Person, History]:
        """The trainer on ``day`` and the earlier trainers (latest first) with change dates."""
        return _holder_on(self.trainers, day)

    def owner_on(self, day: dt.date) -> tuple[Person, History]:
        """The owner on ``day`` and the earlier owners (latest first) with change dates."""
        return _holder_on(self.owners, day)


def _holder_on(changes: History, day: dt.date) -> tuple[Person, History]:
    current = changes[0][1]
    if len(changes) == 1:  # most horses never move: skip the walk, and share the empty history
        return current, ()
    earlier: list[tuple[dt.date, Person]] = []
    for since, person in changes[1:]:
        if since > day:
            break
        earlier.insert(0, (since, current))
        current = person
    return current, tuple(earlier)


class Population:
    """All horses and people of one seed, built lazily and cached."""

    def __init__(self, seed: int, last_year: int) -> None:
        self.seed = seed
        self.last_year = last_year
        self.cohort = lru_cache(maxsize=128)(self._make_cohort)
        self.pools = lru_cache(maxsize=64)(self._make_pools)
        self.bits = lru_cache(maxsize=128)(self._make_bits)
        self.horse = lru_cache(maxsize=250_000)(self._make_horse)
        self.stud = lru_cache(maxsize=None)(self._make_stud)
        self.jockey = lru_cache(maxsize=None)(self._make_jockey)
        self.trainer = lru_cache(maxsize=None)(self._make_trainer)
        self.owner = lru_cache(maxsize=None)(self._make_owner)
        self.active = lru_cache(maxsize=512)(self._make_active)
        self.cohort_names = lru_cache(maxsize=256)(self._make_names)
        self.identity = lru_cache(maxsize=400_000)(self._make_identity)

    # -- horses ---------------------------------------------------------------------------------

    def _make_bits(self, year: int) -> array:
        """64 random bits per horse of a cohort, made in one C call (about 50 µs for 9000)."""
        return array("Q", stream(self.seed, "cohort", year).randbytes(8 * COHORT_SIZE))

    def career(self, num: int) -> tuple[str, str, bool, int, int]:
        """(code, country of training, female, first and last racing age) of ``hrs_num``.

        Drawn from the horse's word of its cohort's bits, so one horse's career (a pedigree needs
        only the country) is known without building the cohort's tables. Each half of the word
        is a uniform split into several decisions (a uniform below ``p`` divided by ``p`` is
        again uniform).
        """
        year, index = split_horse_number(num) or (FIRST_COHORT, 0)
        bits = self.bits(year)[index]
        u, v = (bits & 0xFFFFFFFF) / 4294967296.0, (bits >> 32) / 4294967296.0
        if index < STALLIONS:
            code, female = FLAT, False
        else:
            code, u = (FLAT, u / 0.56) if u < 0.56 else (JUMPS, (u - 0.56) / 0.44)
            female = index < MARES_END or u < 0.2
            u = u / 0.2 if u < 0.2 else (u - 0.2) / 0.8
        region = _weighted(u, TRAIN_REGIONS[code])
        if code == FLAT:
            first, v = (2, v / 0.6) if v < 0.6 else (3, (v - 0.6) / 0.4)
            if index < STALLIONS and v < DUAL_PURPOSE:
                # A dual-purpose stallion covers mares while still in training, so his first
                # crops (and his daughters' foals) race in the seasons he does.
                last = first + 4 + int(v / DUAL_PURPOSE * 6)
            else:
                v = (v - DUAL_PURPOSE) / (1 - DUAL_PURPOSE) if index < STALLIONS else v
                last = first + (1 + int(v * 3) if index < MARES_END else int(v * 7))
        else:
            first, v = (4, v * 2) if v < 0.5 else (5, v * 2 - 1)
            last = first + 1 + int(v * 7)
        return code, region, female, first, last

    def _make_cohort(self, year: int) -> Cohort:
        """The careers of a cohort's 9000 horses as index-aligned tables (for drawing fields)."""
        first = horse_number(year, 0)
        code, region, female, first_age, last_age = zip(*map(self.career, range(first, first + COHORT_SIZE)))
        return Cohort(year, code, region, female, first_age, last_age)

    def _make_pools(self, year: int) -> dict[tuple[str, int, str], tuple[int, ...]]:
        """Indices of a cohort's horses in training by (code, age, country): where fields are drawn.

        Kept apart from the cohort because only racing cohorts need it, not those of pedigrees.
        """
        cohort = self.cohort(year)
        pools: dict[tuple[str, int, str], list[int]] = {}
        for index, (c, r, a0, a1) in enumerate(zip(cohort.code, cohort.region, cohort.first_age, cohort.last_age)):
            for age in range(a0, a1 + 1):
                key = (c, age, r)
                if key in pools:
                    pools[key].append(index)
                else:
                    pools[key] = [index]
        return {key: tuple(value) for key, value in pools.items()}

    def _make_stud(self, num: int) -> tuple[float, float]:
        """A stallion's (visible quality, hidden edge) as passed on to his progeny."""
        uniform = entity_uniform(self.seed, _STUD, num)
        return 0.45 * normal(uniform()), (0.45 if uniform() < 0.15 else 0.0)

    def horse_exists(self, num: int) -> bool:
        """Whether ``hrs_num`` is a horse of this world (foaled by the last simulated year)."""
        parts = split_horse_number(num)
        return parts is not None and parts[0] <= self.last_year

    def _make_identity(self, num: int) -> Identity:
        """Name, breeding country and parents from two hashed words, not from the horse's stream:
        pedigrees on every results page and name searches over whole cohorts need only these."""
        year, index = split_horse_number(num) or (FIRST_COHORT, 0)
        bits = mix64((self.seed << 41) ^ (num << 1))
        more = mix64(bits)
        train_region = self.career(num)[1]
        breed = _weighted((bits >> 44) / (1 << 20), BREED_REGIONS) if train_region in ("GB", "IRE") else train_region
        sire = dam = None
        if year >= FIRST_COHORT + 4:
            # Parents are drawn from 4 to 18 (sires) and 3 to 15 (dams) years back, the young ones
            # most often: breeders favour fresh stallions, and a mare's first foals come early.
            sire_year = max(FIRST_COHORT, year - 4 - int(15 * ((more >> 32) % 1024 / 1024) ** 2))
            sire = horse_number(sire_year, int(STALLIONS * ((more >> 8) % 1024 / 1024) ** 2))
            dam_year = max(FIRST_COHORT, year - 3 - int(13 * ((more >> 42) % 1024 / 1024) ** 2))
            dam = horse_number(dam_year, STALLIONS + (more >> 24) % (MARES_END - STALLIONS))
        return Identity(num, names.horse_name(bits), breed, sire, dam)

    def _make_names(self, year: int, first: int, last: int) -> tuple[str, ...]:
        """The names of a cohort's indices ``first..last-1`` (those :meth:`identity` gives), for
        searches: sires and damsires need only the stallions' names, dams the broodmares'."""
        seed = self.seed << 41
        base = horse_number(year, 0)
        return tuple(names.horse_name(mix64(seed ^ ((base + index) << 1))) for index in range(first, last))

    def _make_horse(self, num: int) -> Horse:
        parts = split_horse_number(num)
        if parts is None:
            raise KeyError(num)
        year, index = parts
        uniform = entity_uniform(self.seed, _HORSE, num)
        cohort = self.cohort(year)
        ident = self.identity(num)
        sire, dam = ident.sire, ident.dam
        sire_quality, sire_edge = self.stud(sire) if sire is not None else (0.0, 0.0)
        stud_quality, stud_edge = self.stud(num) if index < STALLIONS else (0.0, 0.0)
        female = cohort.female[index]
        sex_code = "F" if female else ("C" if index < STALLIONS or uniform() < 0.3 else "G")
        colour, colour_code = _colour(uniform())
        code, train_region = cohort.code[index], cohort.region[index]
        first_age, last_age = cohort.first_age[index], cohort.last_age[index]
        debut = dt.date(year + first_age, 1, 1)
        career_end = dt.date(year + last_age, 12, 31)
        trainers = self._changes(uniform, self.pick_trainer, train_region, code, debut, career_end)
        owners = self._changes(uniform, self.pick_owner, train_region, code, debut, career_end)
        gear = uniform()
        return Horse(
            num=num,
            name=ident.name,
            year=year,
            index=index,
            breed_region=ident.breed_region,
            sex_code=sex_code,
            colour=colour,
            colour_code=colour_code,
            dob=dt.date.fromordinal(dt.date(year, 1, 1).toordinal() + between(20, 150, uniform())),
            breeder=names.breeder_name(uniform),
            code=code,
            train_region=train_region,
            first_age=first_age,
            last_age=last_age,
            sire=sire,
            dam=dam,
            ability=0.8 * normal(uniform()) + 0.6 * sire_quality,
            edge=sire_edge,
            trainers=trainers,
            owners=owners,
            has_pro=uniform() >= 0.05,
            headgear=pick(HEADGEAR, gear / 0.25) if gear < 0.25 else "",
            stud_quality=stud_quality,
            stud_edge=stud_edge,
        )

    @staticmethod
    def _changes(
        uniform: Uniform, pick_person: Callable[[float, str, str, int], Person], region: str, code: str,
        debut: dt.date, end: dt.date,
    ) -> History:
        """First connection and, for some horses, a move mid-career (prev_trainers/prev_owners)."""
        first = (debut, pick_person(uniform(), region, code, debut.year))
        if uniform() >= 0.15:
            return (first,)
        span = (end - debut).days
        moved = debut + dt.timedelta(days=between(60, max(61, span - 30), uniform()))
        return first, (moved, pick_person(uniform(), region, code, moved.year))

    def horse_by_id(self, horse_id: str) -> Horse | None:
        """The horse behind ``hrs_N`` (None for an id that names no horse)."""
        if not horse_id.startswith("hrs_") or not horse_id[4:].isdigit():
            return None
        num = int(horse_id[4:])
        return self.horse(num) if self.horse_exists(num) else None

    # -- people -----------------------------------------------------------------------------------

    def _career(self, uniform: Uniform, region_table) -> tuple[str, str, int, int]:
        code = FLAT if uniform() < 0.55 else JUMPS
        region = _weighted(uniform(), region_table[code])
        first = between(1960, self.last_year, uniform())
        return code, region, first, first + between(6, 35, uniform())

    def _make_jockey(self, number: int) -> Person:
        uniform = entity_uniform(self.seed, _JOCKEY, number)
        code, region, first, last = self._career(uniform, TRAIN_REGIONS)
        return Person(
            id=f"jky_{number}", name=names.person_name(uniform), region=region, code=code,
            first_year=first, last_year=min(last, first + 25), skill=0.15 * normal(uniform()),
            edge=0.35 if uniform() < 0.1 else 0.0, claim=7 if uniform() < 0.6 else 0,
        )

    def _make_trainer(self, number: int) -> Person:
        uniform = entity_uniform(self.seed, _TRAINER, number)
        code, region, first, last = self._career(uniform, TRAIN_REGIONS)
        return Person(
            id=f"trn_{number}", name=names.person_name(uniform), region=region, code=code,
            first_year=first, last_year=last, location=names.stable_town(uniform, region),
        )

    def _make_owner(self, number: int) -> Person:
        return Person(
            id=f"own_{number}", name=names.owner_name(entity_uniform(self.seed, _OWNER, number)), region="",
            code="", first_year=1960, last_year=9999,
        )

    def _make_active(self, kind: str, year: int, code: str, region: str) -> tuple[Person, ...]:
        """Jockeys or trainers riding/training in a country and code that year."""
        people = self.people(kind)
        found = tuple(p for p in people if p.code == code and p.region == region
                      and p.first_year <= year <= p.last_year)
        if found:
            return found
        # A thin corner of the world (an early year abroad): anyone from that country will do.
        return tuple(p for p in people if p.region == region) or people

    def people(self, kind: str) -> tuple[Person, ...]:
        """Every jockey, trainer or owner of the world (``kind`` is the singular noun)."""
        base, count, make = {"jockey": (JOCKEY_BASE, JOCKEYS, self.jockey),
                             "trainer": (TRAINER_BASE, TRAINERS, self.trainer),
                             "owner": (OWNER_BASE, OWNERS, self.owner)}[kind]
        return tuple(make(base + i) for i in range(count))

    def pick_trainer(self, u: float, region: str, code: str, year: int) -> Person:
        return pick(self.active("trainer", year, code, region), u)

    def pick_owner(self, u: float, region: str, code: str, year: int) -> Person:
        """Owners are not tied to a country; a few big owners have many horses."""
        return self.owner(OWNER_BASE + int(OWNERS * u ** 1.6))

    def jockeys_for(self, region: str, code: str, year: int) -> tuple[Person, ...]:
        """The jockeys a race in ``region`` and ``code`` books from."""
        return self.active("jockey", year, code, region)


def _colour(value: float) -> tuple[str, str]:
    for colour, code, weight in COLOURS:
        value -= weight
        if value < 0:
            return colour, code
    return COLOURS[-1][0], COLOURS[-1][1]


@lru_cache(maxsize=8)
def shared_population(seed: int, last_year: int) -> Population:
    """The population of ``seed`` for this process: every entity is generated from its own key,
    so worlds of one seed (several apps, a test's fresh world) can share the cached horses."""
    return Population(seed, last_year)
