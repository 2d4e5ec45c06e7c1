"""A small builder for hand-made racing data, and the STATISTICS.md §14 fixture built with it.

Tests describe races and runners with only the columns statistics read; the builder fills the
parent rows (courses, horses, people, pedigree masters) and inserts everything in foreign-key
order through SQLAlchemy Core, so the same data lands identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Table, insert
from sqlalchemy.engine import Engine

from darkhorses.db import schema

D = dt.date(2025, 2, 10)
"""The as-of date of the §14 fixture."""
BATCH_TS = dt.datetime(2025, 2, 10, 6, 0, tzinfo=dt.timezone.utc)


@dataclass
class Racing:
    """Collects rows, then :meth:`save` writes them parents first."""

    engine: Engine
    rows: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)
    runners: list[dict[str, Any]] = field(default_factory=list)
    _filler: int = 0

    def _put(self, table: Table, key: Any, **values: Any) -> None:
        self.rows.setdefault(table.name, {}).setdefault(key, {}).update(values)

    def horse(self, horse_id: str, sire: str | None = None, dam: str | None = None, damsire: str | None = None,
              **extra: Any) -> str:
        for table, pid in ((schema.ra_mst_sires, sire), (schema.ra_mst_dams, dam), (schema.ra_mst_damsires, damsire)):
            if pid:
                self._put(table, pid, id=pid, name=pid.upper())
        self._put(schema.ra_mst_horses, horse_id, id=horse_id, name=horse_id.upper(),
                  sire_id=sire, dam_id=dam, damsire_id=damsire, **extra)
        return horse_id

    def link_ancestor(self, table: Table, ancestor_id: str, horse_id: str) -> None:
        """Give a sire/dam/damsire master row its own horse record (for "own career" stats)."""
        self._put(table, ancestor_id, horse_id=horse_id)

    def race(self, race_id: str, date: dt.date, course: str = "C1", race_class: str | None = "Class 4",
             furlongs: float = 8, handicap: bool = False, result: bool = True, abandoned: bool = False,
             race_type: str = "Flat", surface: str = "Turf", going: str = "Good", hour: int = 14) -> str:
        self._put(schema.ra_mst_courses, course, id=course, name=f"Course {course}")
        name = "Class Handicap" if handicap else "Maiden Stakes"
        self._put(schema.ra_mst_races, race_id, id=race_id, course_id=course, date=date,
                  off_dt=dt.datetime.combine(date, dt.time(hour), tzinfo=dt.timezone.utc), race_name=name,
                  race_class=race_class, distance_f=furlongs, type=race_type, surface=surface, going=going,
                  has_result=result, is_abandoned=abandoned)
        return race_id

    def run(self, race: str, horse: str, position: str | None, jockey: str | None = None,
            trainer: str | None = None, owner: str | None = None, sp: float | None = None,
            non_runner: bool = False, prize: float | None = None, currency: str = "GBP",
            seconds: float | None = None) -> None:
        if horse not in self.rows.get("ra_mst_horses", {}):
            self.horse(horse)
        for table, pid in ((schema.ra_mst_jockeys, jockey), (schema.ra_mst_trainers, trainer),
                           (schema.ra_mst_owners, owner)):
            if pid:
                self._put(table, pid, id=pid, name=pid.upper())
        self.runners.append({
            "race_id": race, "horse_id": horse, "jockey_id": jockey, "trainer_id": trainer, "owner_id": owner,
            "position_raw": position, "position": int(position) if position and position.isdigit() else None,
            "starting_price_decimal": sp, "is_non_runner": non_runner, "prize_won": prize,
            "prize_currency": currency if prize is not None else None, "finishing_time_seconds": seconds,
        })

    def fill(self, race: str, positions: list[str], sp: float = 10.0) -> None:
        """Anonymous starters (own horse, jockey and trainer) finishing in ``positions``."""
        for position in positions:
            self._filler += 1
            n = self._filler
            self.run(race, f"hf{n}", position, jockey=f"jf{n}", trainer=f"tf{n}", sp=sp)

    def save(self) -> None:
        with self.engine.begin() as connection:
            for table in schema.metadata.sorted_tables:
                if table.name == "ra_mst_runners":
                    if self.runners:
                        connection.execute(insert(table), self.runners)
                elif self.rows.get(table.name):
                    values = list(self.rows[table.name].values())
                    keys = sorted({k for v in values for k in v})
                    connection.execute(insert(table), [{k: v.get(k) for k in keys} for v in values])
        self.rows.clear()
        self.runners.clear()


@pytest.fixture
def racing(engine: Engine) -> Racing:
    return Racing(engine)


def build_section_14(racing: Racing) -> Racing:
    """STATISTICS.md §14: horses H1, H2, H3 by sire S; jockeys J and K; D = 2025-02-10."""
    for horse in ("h1", "h2", "h3"):
        racing.horse(horse, sire="sir_s", dam=f"dam_{horse}", damsire="dsi_x")
    racing.race("r1", dt.date(2025, 1, 10), "C1", "Class 4", 8)
    racing.run("r1", "h1", "1", jockey="j", trainer="t", owner="o", sp=4.0, prize=5000, seconds=100.5)
    racing.run("r1", "h2", None, jockey="k", non_runner=True)
    racing.fill("r1", [str(p) for p in range(2, 9)])
    racing.race("r2", dt.date(2025, 1, 20), "C1", "Class 4", 10, handicap=True)
    racing.run("r2", "h1", "3", jockey="j", trainer="t", owner="o", sp=6.0, prize=800)
    racing.fill("r2", ["1", "2", *(str(p) for p in range(4, 15))])
    racing.race("r3", dt.date(2025, 2, 1), "C2", "Class 2", 8)
    racing.run("r3", "h3", "3", jockey="j", trainer="t", owner="o", sp=11.0)
    racing.fill("r3", ["1", "2", "4", "5", "6"])
    racing.race("r4", dt.date(2025, 2, 5), "C2", None, 8, handicap=True, going="Yielding")
    racing.run("r4", "h1", "1", jockey="j", trainer="t", owner="o", sp=9.0, prize=7080, currency="EUR")
    racing.run("r4", "h3", "PU", jockey="k", trainer="t", owner="o", sp=21.0)
    racing.fill("r4", ["1", *(str(p) for p in range(3, 16))])
    racing.race("r5", dt.date(2025, 2, 20), "C1", "Class 5", 9, result=False)
    racing.run("r5", "h1", None, jockey="j", trainer="t", owner="o")
    racing.save()
    return racing


@pytest.fixture
def section_14(racing: Racing) -> Racing:
    return build_section_14(racing)
