"""The own-career block of ``ra_sire_stats``/``ra_dam_stats``/``ra_damsire_stats`` (STATISTICS.md §5),
read from the ancestor's own horse record, on both engines.

Sire ``sir_100`` is the horse ``hrs_100`` (the API numbers both alike, CONTRACT.md §5.15) and raced:
a win, a third, a pulled-up, a dead-heat win in Ireland (a euro prize), a non-runner and a future
declaration. Dam ``dam_300`` is linked to ``hrs_300``, which has no run in the database; damsire
``dsi_400`` has no link at all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Engine

from darkhorses.db import schema
from darkhorses.stats.populate import populate

from .conftest import BATCH_TS, D, Racing

OWN = ("own_race_runs", "own_race_wins", "own_race_places", "own_total_prize", "own_best_position",
       "own_avg_position", "own_career_start", "own_career_end")


def _own(engine: Engine, table: schema.Table, key: str, value: str) -> dict:  # type: ignore[type-arg]
    with engine.connect() as connection:
        row = connection.execute(select(*(table.c[name] for name in OWN)).where(table.c[key] == value)).mappings().one()
    return {name: (float(v) if isinstance(v, Decimal) else v) for name, v in row.items()}


def test_own_career_from_the_ancestors_horse_record(racing: Racing) -> None:
    racing.horse("hrs_200", sire="sir_100", dam="dam_300", damsire="dsi_400")
    racing.horse("hrs_100")
    racing.link_ancestor(schema.ra_mst_sires, "sir_100", "hrs_100")
    racing.link_ancestor(schema.ra_mst_dams, "dam_300", "hrs_300")
    days = [dt.date(2024, 5, 1), dt.date(2024, 6, 1), dt.date(2024, 7, 1), dt.date(2024, 8, 1),
            dt.date(2024, 9, 1), dt.date(2025, 2, 20)]
    for n, day in enumerate(days, start=1):
        racing.race(f"r{n}", day, result=day <= D)
    racing.run("r1", "hrs_100", "1", sp=3.0, prize=5000)
    racing.run("r2", "hrs_100", "3", sp=5.0, prize=800)
    racing.run("r3", "hrs_100", "PU", sp=9.0)
    racing.run("r4", "hrs_100", "1", sp=4.0, prize=7080, currency="EUR")
    racing.run("r4", "hrs_200", "1", sp=4.0)  # a dead heat with his own son
    racing.run("r5", "hrs_100", None, non_runner=True)
    racing.run("r6", "hrs_100", None)
    racing.save()

    populate(racing.engine, tables=["ra_sire_stats", "ra_dam_stats", "ra_damsire_stats"], as_of=D, now=BATCH_TS)

    assert _own(racing.engine, schema.ra_sire_stats, "sire_id", "sir_100") == {
        "own_race_runs": 4, "own_race_wins": 2, "own_race_places": 3,
        "own_total_prize": 11818.00,  # £5000 + £800 + €7080 at 85p
        "own_best_position": 1, "own_avg_position": 1.67,  # (1 + 3 + 1) / 3 finishers
        "own_career_start": dt.date(2024, 5, 1), "own_career_end": dt.date(2024, 8, 1),
    }
    assert _own(racing.engine, schema.ra_dam_stats, "dam_id", "dam_300") == {
        "own_race_runs": 0, "own_race_wins": 0, "own_race_places": 0, "own_total_prize": 0.0,
        "own_best_position": None, "own_avg_position": None, "own_career_start": None, "own_career_end": None,
    }
    assert _own(racing.engine, schema.ra_damsire_stats, "damsire_id", "dsi_400") == dict.fromkeys(OWN)
