"""Racing vocabulary and the exact text formats the API uses for numbers.

The API sends almost every number as text in a house style (``"9/4"``, ``"3.25"``, ``".75"``,
``"1:0.13"``, ``"2m6f31y"``, ``"£4,193"``, ``"€7080"``). Keeping those formats in one module lets
the world reason in numbers and lets tests pin each format against the recorded bodies.
"""

from __future__ import annotations

import bisect
from fractions import Fraction
from functools import lru_cache

YARDS_PER_FURLONG = 220
METRES_PER_YARD = 0.9144

# The bookmakers' fractional ladder, shortest first.
_LADDER_TEXT = (
    "1/10 1/9 1/8 1/7 1/6 1/5 2/9 1/4 2/7 3/10 1/3 4/11 2/5 4/9 1/2 8/15 4/7 8/13 4/6 8/11 4/5 "
    "5/6 10/11 1/1 21/20 11/10 6/5 5/4 11/8 6/4 13/8 7/4 15/8 2/1 9/4 5/2 11/4 3/1 10/3 7/2 4/1 "
    "9/2 5/1 11/2 6/1 13/2 7/1 15/2 8/1 17/2 9/1 10/1 11/1 12/1 14/1 16/1 18/1 20/1 22/1 25/1 "
    "28/1 33/1 40/1 50/1 66/1 80/1 100/1 125/1 150/1 200/1 250/1 300/1 500/1"
)
LADDER: tuple[Fraction, ...] = tuple(Fraction(text) for text in _LADDER_TEXT.split())
_LADDER_DECIMALS = tuple(float(f) + 1.0 for f in LADDER)

# Texts as bookmakers write them (6/4, not 3/2), so never rebuilt from the reduced Fraction.
LADDER_FRACTION_TEXT = tuple("Evens" if t == "1/1" else t for t in _LADDER_TEXT.split())
LADDER_DECIMAL_TEXT = tuple(f"{d:.2f}".rstrip("0").rstrip(".") for d in _LADDER_DECIMALS)
SP_DECIMAL_TEXT = tuple(f"{d:.2f}" for d in _LADDER_DECIMALS)

GOING_TURF = ("Firm", "Good To Firm", "Good", "Good To Soft", "Soft", "Heavy")
GOING_AW = ("Standard", "Standard To Slow", "Standard To Fast")
GOING_IRE_EXTRA = ("Yielding", "Yielding To Soft", "Good To Yielding")

BOOKMAKERS = (
    "Bet365", "William Hill", "Paddy Power", "Betfair Sportsbook", "Sky Bet", "Ladbrokes",
    "Coral", "Betfred", "BetVictor", "Boylesports", "Unibet", "888sport", "Betway", "Star Sports",
    "Spreadex", "Sporting Index", "Midnite", "Kwiff", "BetMGM", "Virgin Bet", "Livescore Bet",
    "Betuk", "Parimatch", "Tote", "Betfair Exchange",
)
EXCHANGE = "Betfair Exchange"


def nearest_step(decimal_odds: float) -> int:
    """The index of the ladder price closest to ``decimal_odds`` (as bookmakers round a price).

    The world keeps prices as ladder indices: integers compare and index text tables cheaply.
    """
    i = bisect.bisect_left(_LADDER_DECIMALS, decimal_odds)
    if i == 0:
        return 0
    if i == len(LADDER):
        return i - 1
    below, above = _LADDER_DECIMALS[i - 1], _LADDER_DECIMALS[i]
    return i - 1 if decimal_odds - below <= above - decimal_odds else i


def fraction_text(step: int) -> str:
    """``9/4``; evens is ``Evens`` as in the recorded SP ``EvensF``."""
    return LADDER_FRACTION_TEXT[step]


def sp_decimal(step: int) -> float:
    """Decimal odds of a ladder price (stake included): 9/4 is 3.25."""
    return _LADDER_DECIMALS[step]


def sp_decimal_text(step: int) -> str:
    """Result ``sp_dec``: always two decimals (``"3.25"``, ``"151.00"``)."""
    return SP_DECIMAL_TEXT[step]


def odds_decimal_text(value: float) -> str:
    """Racecard ``odds[].decimal``: shortest form (``"23"``, ``"3.25"``, ``"1.91"``)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=4096)
def lengths_text(lengths: float) -> str:
    """Beaten distances as the API writes them: ``"0"``, ``"0.05"``, ``".5"``, ``".75"``, ``"11"``.

    Memoised: distances are a few hundred values (quarter lengths and their sums), and every
    result runner prints two.
    """
    text = f"{lengths:.2f}".rstrip("0").rstrip(".")
    if text.startswith("0.") and lengths in (0.25, 0.5, 0.75):
        return text[1:]
    return text


def race_time_text(seconds: float) -> str:
    """Runner ``time``: minutes and seconds, seconds not zero-padded (``"1:0.13"``)."""
    minutes, rest = divmod(round(seconds, 2), 60)
    return f"{int(minutes)}:{rest:.2f}"


def winning_time_detail(seconds: float, standard: float | None) -> str:
    """``"1m 43.25s (slow by 5.55s)"``, ``"57.74s (slow by 0.24s)"``; no comparison abroad."""
    minutes, rest = divmod(round(seconds, 2), 60)
    head = f"{int(minutes)}m {rest:.2f}s" if minutes else f"{rest:.2f}s"
    if standard is None:
        return head
    diff = round(seconds - standard, 2)
    return f"{head} ({'slow' if diff >= 0 else 'fast'} by {abs(diff):.2f}s)"


def distance_text(yards: int) -> str:
    """Full distance with odd yards, e.g. ``"2m53y"``, ``"2m6f31y"``, ``"5f"``."""
    furlongs, odd = divmod(yards, YARDS_PER_FURLONG)
    return round_distance_text(furlongs) + (f"{odd}y" if odd else "")


def round_distance_text(furlongs: int) -> str:
    """Distance to the furlong: ``"2m"``, ``"1m3f"``, ``"7f"``."""
    miles, rest = divmod(furlongs, 8)
    return (f"{miles}m" if miles else "") + (f"{rest}f" if rest else "")


def stones_text(lbs: int) -> str:
    """Result ``weight``: stones-pounds, ``"8-10"``."""
    return f"{lbs // 14}-{lbs % 14}"


def money_text(amount: float, symbol: str) -> str:
    """Racecard prize with thousands separators: ``"£4,193"``."""
    return f"{symbol}{round(amount):,}"


def result_prize_text(amount: float, region: str) -> str:
    """Result runner prize: bare for GB and abroad (``"3245.08"``), euro-marked for IRE (``"€7080"``)."""
    if region == "IRE":
        return f"€{round(amount)}"
    text = f"{amount:.2f}"
    return text[:-3] if text.endswith(".00") else text


def tote_text(amount: float, symbol: str) -> str:
    """Tote returns: ``"£3.25"``, ``"£8"``, ``"€9"`` (whole amounts lose the pence)."""
    text = f"{amount:.2f}"
    return symbol + (text[:-3] if text.endswith(".00") else text)


def twelve_hour(hour: int, minute: int) -> str:
    """``off_time``/``off``: 12-hour clock with no am/pm and no hour padding (``"2:12"``)."""
    return f"{(hour - 1) % 12 + 1}:{minute:02d}"
