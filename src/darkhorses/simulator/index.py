"""Who ran where: compact per-day records behind the entity endpoints.

The API answers "every race of jockey X in a year" from a database; the world has none, so an
entity query scans the days of its date window. Each scanned day is reduced to one :class:`Run`
per starter of its resulted races (about 490 small tuples, ~80 KB) and kept in an LRU, so a
day is generated once for all entities: the first 365-day query of an era costs one day
generation per date (see ``benchmarks/RESULTS.md``), later ones only a scan of the records.

A horse's whole career is found more cheaply: :func:`fielded` lists the horses declared on a day
from the cohort tables alone (no horses, no results), and only the days a horse was declared on
are generated in full.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from darkhorses.simulator.day import Race, field_numbers
from darkhorses.simulator.population import Population


class Run(NamedTuple):
    """One starter in a resulted race, with what the analysis tables group and count by."""

    seq: int
    horse: int
    jockey: str
    trainer: str
    owner: str
    sire: int
    dam: int
    damsire: int
    age: int
    position: str
    sp: float
    time: float | None


@dataclass(frozen=True, slots=True)
class Kind:
    """An entity family of the ``/v1/{plural}/{id}/…`` routes and the :class:`Run` field naming it."""

    plural: str
    singular: str
    prefix: str
    field: str

    @property
    def path_param(self) -> str:
        return f"{self.singular}_id"

    def key(self, entity_id: str) -> int | str | None:
        """The value :attr:`field` holds for ``entity_id``; None when the id cannot be one."""
        if not entity_id.startswith(self.prefix + "_"):
            return None
        if self.field in ("jockey", "trainer", "owner"):
            return entity_id
        number = entity_id[len(self.prefix) + 1:]
        return int(number) if number.isdigit() else None


KINDS = {kind.plural: kind for kind in (
    Kind("horses", "horse", "hrs", "horse"), Kind("jockeys", "jockey", "jky", "jockey"),
    Kind("trainers", "trainer", "trn", "trainer"), Kind("owners", "owner", "own", "owner"),
    Kind("sires", "sire", "sir", "sire"), Kind("dams", "dam", "dam", "dam"),
    Kind("damsires", "damsire", "dsi", "damsire"),
)}

DayRuns = tuple[tuple[Race, tuple[Run, ...]], ...]


def day_runs(pop: Population, races: tuple[Race, ...], plan: tuple[Race, ...]) -> DayRuns:
    """Every resulted race of a generated day with its starters' records, newest first.

    Each record is paired with the race as *planned* (no runners), so the index does not keep the
    day's runner objects alive once the day leaves the world's cache.
    """
    identity = pop.identity
    planned = {race.seq: race for race in plan}
    out = []
    for race in sorted(races, key=lambda r: (r.off, r.seq), reverse=True):
        if race.abandoned or not race.entries:
            continue
        runs = []
        for e in race.runners:
            horse = e.horse
            dam = identity(horse.dam) if horse.dam is not None else None
            runs.append(Run(race.seq, horse.num, e.jockey.id, e.trainer.id, e.owner.id, horse.sire or 0,
                            horse.dam or 0, (dam.sire or 0) if dam else 0, e.age, e.position, e.sp_decimal,
                            e.time))
        out.append((planned[race.seq], tuple(runs)))
    return tuple(out)


def fielded(pop: Population, seed: int, plan: tuple[Race, ...]) -> array:
    """The numbers of the horses declared in a day's planned races, sorted (for bisection)."""
    return array("q", sorted(num for field in field_numbers(pop, seed, list(plan)) for num in field))


def declared_on(numbers: array, horse: int) -> bool:
    i = bisect_left(numbers, horse)
    return i < len(numbers) and numbers[i] == horse


def matching(days: Iterator[DayRuns], field: str, key: int | str,
             keep: Callable[[Race], bool]) -> Iterator[tuple[Race, list[Run]]]:
    """Races (newest first over ``days``, which run newest first) with the entity's runs in them."""
    for races in days:
        for race, runs in races:
            mine = [run for run in runs if getattr(run, field) == key]
            if mine and keep(race):
                yield race, mine
