"""The analysis tables: starters grouped by a key, with the API's counts and ratios.

Every row has the count (``rides``, ``runners`` or ``runs``), ``1st``..``4th``, ``a/e`` (wins over
the wins the starting prices expected, Σ 1/SP), ``win_%`` (a fraction: 0.11 is 11 %) and
``1_pl`` (level-stakes profit of 1 unit at SP: SP − 1 for each winner, −1 for each loser).
Only starters with an SP count; every simulated starter has one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from darkhorses.simulator.day import Race
from darkhorses.simulator.index import Run

Body = dict[str, Any]
PLACES = ("1st", "2nd", "3rd", "4th")


def stats(runs: list[Run], count_name: str) -> Body:
    """The counts and ratios of one row."""
    n = len(runs)
    firsts = [sum(run.position == str(place) for run in runs) for place in range(1, 5)]
    expected = sum(1 / run.sp for run in runs)
    profit = sum(run.sp - 1.0 for run in runs if run.position == "1") - (n - firsts[0])
    row: Body = {count_name: n}
    row.update(zip(PLACES, firsts))
    row["a/e"] = round(firsts[0] / expected, 2) if expected else 0.0
    row["win_%"] = round(firsts[0] / n, 2) if n else 0.0
    row["1_pl"] = round(profit, 2)
    return row


def table(
    pairs: Iterable[tuple[Race, Run]],
    key: Callable[[Race, Run], Hashable],
    describe: Callable[[Race, Run], Body],
    count_name: str,
    extra: Callable[[list[tuple[Race, Run]]], Body] | None = None,
) -> list[Body]:
    """One row per ``key``: ``describe`` gives the row's leading fields (from its first starter),
    ``extra`` any fields between them and the counts. Rows are ordered by count, largest first."""
    groups: dict[Hashable, list[tuple[Race, Run]]] = {}
    for race, run in pairs:
        groups.setdefault(key(race, run), []).append((race, run))
    rows = []
    for members in groups.values():
        row = describe(*members[0])
        if extra is not None:
            row.update(extra(members))
        row.update(stats([run for _, run in members], count_name))
        rows.append(row)
    rows.sort(key=lambda row: -row[count_name])
    return rows
