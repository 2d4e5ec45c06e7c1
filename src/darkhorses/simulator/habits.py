"""Habits of real API bodies that the simulator copies (CONTRACT.md §1.4, "More seen in real
bodies"), so that the demo, the tests and the benchmarks meet them every run.

Each race draws its habits once from its own stream (deterministic per seed and race id, like
everything in the world); the rates are fixed here, in the default world:

* a 2026-dialect body that still says ``""``, ``"-"`` and ``"–"`` instead of ``null``;
* a result that blanks the runners' ratings (``rpr``, ``tsr`` as ``"–"``) that the racecard
  carried, as results on some plans do;
* a result race object with fields the models do not know (``_id``, ``actual_off``, ``ran``) and
  runners with a ``grandsire``/``grandsire_id`` pair;
* ``trainer_14_days.percent`` as the string ``"None"`` when the trainer had no runs (in
  :mod:`~darkhorses.simulator.render`);
* ids of 11 digits from late 2026 on: races from :data:`LONG_IDS_FROM`, horses foaled from
  :data:`LONG_ID_COHORT` (in :mod:`~darkhorses.simulator.day` and
  :mod:`~darkhorses.simulator.population`).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import NamedTuple

from darkhorses.simulator.rng import uniform_stream

OLD_MARKERS_IN_2026 = 0.3
"""Share of race objects served in the 2026 dialect whose missing values are 2025 markers."""
BLANKED_RATINGS = 0.1
"""Share of results whose runners' RPR and Topspeed are blanked."""
EXTRA_FIELDS = 0.05
"""Share of result race objects carrying fields outside the schema."""
LONG_IDS_FROM = dt.date(2026, 10, 1)
"""Races from this date have ``rac_`` ids of 11 digits."""
LONG_ID_COHORT = 2024
"""Horses foaled from this year have ``hrs_`` ids of 11 digits."""


class Habits(NamedTuple):
    old_markers: bool
    blanked_ratings: bool
    extra_fields: bool


@lru_cache(maxsize=8192)
def race_habits(seed: int, race_id: str) -> Habits:
    uniform = uniform_stream(seed, "habits", race_id)
    return Habits(uniform() < OLD_MARKERS_IN_2026, uniform() < BLANKED_RATINGS, uniform() < EXTRA_FIELDS)


def marker_dialect(seed: int, race_id: str, dialect: str) -> str:
    """The dialect a race object's missing values are written in (see :data:`OLD_MARKERS_IN_2026`)."""
    return "2025" if dialect == "2026" and race_habits(seed, race_id).old_markers else dialect
