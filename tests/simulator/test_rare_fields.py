"""Fields real bodies fill only now and then (wind surgery, stewards' comments) and the pedigree's
own careers appear in the simulated world as they do in the real one."""

from __future__ import annotations

import datetime as dt

import pytest

from darkhorses.parse import MISSING_TOKENS
from darkhorses.simulator import World

DAY = dt.date(2026, 7, 1)
MISSING = {"2026": {None, *MISSING_TOKENS}, "2025": {""}}
"""What a body sends for "no value": null in 2026 (or, as real 2026 bodies do now and then, a 2025
marker), an empty string in 2025."""


@pytest.mark.parametrize("dialect", ["2026", "2025"])
def test_wind_surgery_is_marked_on_a_few_runners(dialect: str) -> None:
    runners = [r for card in World(seed=3, today=DAY).racecards(DAY, dialect) for r in card["runners"]]
    marked = [r for r in runners if r["wind_surgery"] == "w"]
    assert 0.02 < len(marked) / len(runners) < 0.1
    assert {r["wind_surgery_run"] for r in marked} <= {"1", "2", "3"} and "1" in {r["wind_surgery_run"] for r in marked}
    assert all(r["wind_surgery"] in MISSING[dialect] and r["wind_surgery_run"] in MISSING[dialect]
               for r in runners if r not in marked)


@pytest.mark.parametrize("dialect", ["2026", "2025"])
def test_some_british_and_irish_results_carry_comments(dialect: str) -> None:
    results = [r for r in World(seed=3, today=DAY).results(DAY, dialect) if r["region"] in ("GB", "IRE")]
    noted = [r["comments"] for r in results if r["comments"] not in MISSING[dialect]]
    assert 0 < len(noted) < len(results) / 3
    assert all(isinstance(text, str) and text for text in noted)


def test_stallions_and_mares_are_horses_that_raced() -> None:
    """``sir_N``/``dam_N``/``dsi_N`` is the horse ``hrs_N`` (as in the API), and it has a career
    of its own; some stallions race on while their first crops do."""
    world = World(seed=1, today=DAY)
    ran, parents = set(), set()
    for day in (DAY - dt.timedelta(days=n) for n in range(7)):
        for card in world.racecards(day):
            for runner in card["runners"]:
                ran.add(runner["horse_id"])
                parents.update(runner[key] for key in ("sire_id", "dam_id", "damsire_id") if runner[key])
    as_horses = {"hrs_" + parent.split("_", 1)[1] for parent in parents}
    assert all(world.population.horse_by_id(horse_id) is not None for horse_id in as_horses)
    assert any(p.startswith("sir_") and "hrs_" + p[4:] in ran for p in parents)
    assert any(p.startswith("dam_") and "hrs_" + p[4:] in ran for p in parents)
