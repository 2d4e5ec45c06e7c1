"""``darkhorses card`` on a terminal: one Rich table per race.

Kept apart from :mod:`darkhorses.ops.card` so the card stays plain data (``--json`` prints it as
it is) and the CLI stays thin. Records print as ``wins/runs`` with the strike rate, A/E after a
colon where the figure has one (``3/12 25% 1.14``); a dash means no prior runs.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from darkhorses.ops.card import Card, CardRace, Record
from darkhorses.parse import lbs_to_weight


def record_text(record: Record, *, ae: bool = False) -> str:
    """``wins/runs win%`` (and the A/E with ``ae``); a dash for no prior runs. The dashboard shows it too."""
    if record.runs == 0:
        return "-"
    text = f"{record.wins}/{record.runs} {record.win_pct:.0f}%"
    return f"{text} {record.ae:.2f}" if ae and record.ae is not None else text


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


def jockey_text(jockey: str | None, claim_lbs: int | None) -> str:
    """The jockey with the claim after the name (``Name (3)``) unless the name already carries it."""
    name = jockey or "-"
    if claim_lbs and not name.endswith(")"):
        name = f"{name} ({claim_lbs})"
    return name


def _heading(race: CardRace) -> str:
    bits = [race.off_time or "--:--", race.course or "", race.race_name, "ABANDONED" if race.abandoned else ""]
    conditions = [race.race_class, race.race_type, race.distance, race.going, race.surface, race.age_band,
                  race.rating_band, f"{race.field_size} runners" if race.field_size else None]
    prize = f"{race.prize_currency or ''} {race.prize:,.0f}".strip() if race.prize else None
    return f"[bold]{' '.join(b for b in bits if b)}[/bold]\n" + ", ".join(
        c for c in (*conditions, prize) if c)


def render_card(card: Card, console: Console) -> None:
    """Every race of the card: conditions as the title, a row per runner (non-runners dimmed)."""
    for race in card.races:
        view = Table(title=_heading(race), title_justify="left", show_lines=False, pad_edge=False)
        for heading, justify in (("No (dr)", "right"), ("Horse", "left"), ("Age", "right"), ("Wgt", "right"),
                                 ("OR", "right"), ("Jockey / trainer", "left"), ("Form", "left"), ("Days", "right"),
                                 ("", "left"), ("Going", "right"), (race.distance_band or "Dist", "right"),
                                 ("Jky 14d", "right"), ("Trn 14d", "right"), ("J+T", "right"),
                                 ("Sire A/E", "right"), ("Dsire A/E", "right"), ("RPR/TS", "right"),
                                 ("Best", "right")):
            view.add_column(heading, justify=justify)  # type: ignore[arg-type]
        for r in race.runners:
            price = f"{r.best_price.decimal:g} {r.best_price.bookmaker}" if r.best_price else "-"
            view.add_row(
                f"{r.number or '-'}" + (f" ({r.draw})" if r.draw else ""), r.horse, _or_dash(r.age),
                lbs_to_weight(r.weight_lbs) if r.weight_lbs else "-", _or_dash(r.official_rating),
                f"{jockey_text(r.jockey, r.jockey_claim_lbs)}\n{r.trainer or '-'}", r.form or "-",
                _or_dash(r.days_since_last_run), r.flags, record_text(r.going), record_text(r.distance_band),
                record_text(r.jockey_14_days), record_text(r.trainer_14_days), record_text(r.jockey_trainer),
                record_text(r.sire_type_band, ae=True), record_text(r.damsire_type_band, ae=True),
                f"{_or_dash(r.best_rpr)}/{_or_dash(r.best_ts)}", price,
                style="dim" if r.non_runner else None,
            )
        console.print(view)
    console.print(f"figures as of {card.date.isoformat()}: runs before that day only; "
                  "definitions in docs/statistics.md (The racecard)")
