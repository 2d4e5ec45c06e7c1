"""A "record": the counts, rates, A/E and P/L of any group of runs, defined once.

People, pedigree, performance and combination tables all report the same record over different
groups and under different column names; each table maps its names onto :func:`record_values`.
"""

from __future__ import annotations

from darkhorses.stats.sql import ae_index, percent, profit_loss, ratio

RECORD_AGGREGATES = {
    "n_runs": "COUNT(*)",
    "n_wins": "SUM(is_win)",
    "n_2nd": "SUM(is_2nd)",
    "n_3rd": "SUM(is_3rd)",
    "n_top3": "SUM(is_top3)",
    "n_ew": "SUM(is_ew_placed)",
    "n_sp": "SUM(has_sp)",
    "n_wins_sp": "SUM(has_sp * is_win)",
    "exp_nano": "SUM(p_nano)",
    "pl_units": "SUM(pl_units)",
}
"""The aggregates over ``run`` rows that every record value is computed from."""

RECORD_SUMS = ", ".join(f"{expr} AS {name}" for name, expr in RECORD_AGGREGATES.items())

RECORD_RESUMS = ", ".join(f"SUM({name}) AS {name}" for name in RECORD_AGGREGATES)
""":data:`RECORD_SUMS` re-aggregated from finer groups (all of its columns are additive)."""


def record_values(alias: str) -> dict[str, str]:
    """Expressions over ``alias`` (a row of :data:`RECORD_SUMS`, possibly NULL from a LEFT JOIN).

    Counts are 0 rather than NULL; rates are NULL when their denominator is 0 (§0).
    """
    a = alias
    return {
        "runs": f"COALESCE({a}.n_runs, 0)",
        "wins": f"COALESCE({a}.n_wins, 0)",
        "seconds": f"COALESCE({a}.n_2nd, 0)",
        "thirds": f"COALESCE({a}.n_3rd, 0)",
        "top3": f"COALESCE({a}.n_top3, 0)",
        "ew": f"COALESCE({a}.n_ew, 0)",
        "win_pct": percent(f"{a}.n_wins", f"{a}.n_runs"),
        "top3_pct": percent(f"{a}.n_top3", f"{a}.n_runs"),
        "ew_pct": percent(f"{a}.n_ew", f"{a}.n_runs"),
        "ae": ae_index(f"{a}.n_wins_sp", f"{a}.exp_nano"),
        "pl": profit_loss(f"{a}.pl_units"),
        "sp_coverage": ratio(f"{a}.n_sp", f"{a}.n_runs", 3),
    }


def select_list(columns: dict[str, str]) -> str:
    """``expr AS name, ...`` for a mapping of output column names to expressions."""
    return ",\n       ".join(f"{expr} AS {name}" for name, expr in columns.items())
