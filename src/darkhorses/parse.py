"""Racing strings -> values. Pure: no I/O, no clock, no settings.

The Racing API sends almost every value as text (``"158"``, ``"16.0"``, ``"13/8F"``, ``"€7080"``,
``"2:5.65"``), and it marks missing values in several ways: ``""``, ``"-"``, an en dash ``"–"``
(2025 bodies) or JSON ``null`` (2026 bodies). Every parser here starts from :func:`blank`, so all
of those mean "missing" everywhere.

Contract shared by every ``parse``-style function below:

* missing input (see :func:`blank`) -> ``None``;
* text that does not parse -> ``None`` as well, never an exception. The transforms keep the raw
  text next to the parsed value for strings whose parse can fail (DESIGN.md convention 8), so a
  failure is visible as "raw present, parsed NULL"; :func:`parse_failed` names that test so a
  transform can quarantine or count it instead of losing it silently (convention 7);
* a value of the wrong Python type (a bool, a list) raises ``TypeError``: that is a bug in the
  caller or a changed API, not a racing string.

The pure arithmetic helpers (``furlongs_to_yards`` and friends) take numbers and return numbers.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple, TypeAlias

from darkhorses.london import LONDON

Raw: TypeAlias = str | int | float | None
"""What an API field can hold: text in 2025 bodies, maybe a JSON number or null in 2026 ones."""


# --------------------------------------------------------------------------------------------
# Missing values and plain numbers
# --------------------------------------------------------------------------------------------

MISSING_TOKENS = frozenset({"", "-", "\u2013", "\u2014", "None"})
"""Every way the API says "no value": empty text, a hyphen (racecard ratings), an en dash (result
ratings), an em dash, and the string ``"None"`` (``trainer_14_days.percent`` in real bodies).
The one definition: the models clean bodies with it, and every parser starts from it."""

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def blank(value: Raw) -> str | None:
    """Return the stripped text, or None when the API means "no value".

    Every other parser builds on this, so ``""``, ``"-"``, ``"–"``, ``"—"``, ``"None"``, white
    space and ``None`` are missing everywhere, whichever of them a given endpoint or API year uses. JSON
    numbers (possible in 2026 bodies) become their text so one code path handles both.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"expected text or a number from the API, got {type(value).__name__}")
    text = str(value).strip()
    return None if text in MISSING_TOKENS else text


def parse_failed(raw: Raw, parsed: object) -> bool:
    """True when the API sent a value but the parser could not read it.

    Parsers return None both for "missing" and for "unreadable"; this tells the two apart so a
    transform can report or quarantine the second kind rather than store a silent NULL.
    """
    return blank(raw) is not None and parsed is None


def to_decimal(value: Raw) -> Decimal | None:
    """Exact decimal from text like ``"3.25"``, ``".5"`` or ``"16.0"``.

    Decimal keeps money and odds exact; no thousands separators, exponents, NaN or infinity are
    accepted, because the API never sends them in numeric fields and accepting them would hide
    a changed format.
    """
    text = blank(value)
    if text is None or not _NUMBER.fullmatch(text):
        return None
    return Decimal(text)


def to_float(value: Raw) -> float | None:
    """Float from a numeric string (``"3.25"``, ``"2400.0"``); None if missing or not a number."""
    number = to_decimal(value)
    return None if number is None else float(number)


def to_int(value: Raw) -> int | None:
    """Integer from ``"158"`` or an integral ``"16.0"``; None for missing, ``"16.5"`` or text.

    Used for ratings (``ofr``/``rpr``/``ts``/``or``/``tsr``: ``"-"`` and ``"–"`` are missing),
    draws, field sizes and claims. Draw ``"0"`` is kept as 0: the API sends it for jump races,
    which have no stalls; whether to store it as NULL is the schema's decision, not a parse.
    """
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


# --------------------------------------------------------------------------------------------
# Distances
# --------------------------------------------------------------------------------------------

YARDS_PER_FURLONG = 220
FURLONGS_PER_MILE = 8
YARDS_PER_MILE = YARDS_PER_FURLONG * FURLONGS_PER_MILE  # 1760
METRES_PER_YARD = 0.9144  # exact, by the 1959 international yard
METRES_PER_FURLONG = YARDS_PER_FURLONG * METRES_PER_YARD  # 201.168

_DISTANCE = re.compile(
    r"(?:(?P<miles>\d+)\s*m)?\s*"
    r"(?:(?P<furlongs>\d+(?:½|\.5)?|½)\s*f)?\s*"
    r"(?:(?P<yards>\d+)\s*y(?:ds?)?)?",
    re.IGNORECASE,
)


def distance_to_yards(value: Raw) -> int | None:
    """Yards in a race distance written the British way: ``"1m2f110y"``, ``"2m4½f"``, ``"5f"``.

    Exact integer arithmetic (1 m = 8 f = 1760 y, ½ f = 110 y). The previous system multiplied
    by 1609/201 and silently dropped parts it could not read, such as ``"½"``; here a string
    that is not entirely a distance gives None.
    Note that ``dist``/``distance_round`` are rounded distances (results ``dist "1m"`` has
    ``dist_y "1773"``); racecards' ``distance`` (``"2m53y"``) and results ``dist_y`` are exact.
    """
    text = blank(value)
    match = _DISTANCE.fullmatch(text) if text else None
    if match is None or not any(match.groupdict().values()):
        return None
    miles = int(match["miles"] or 0)
    furlongs = Fraction((match["furlongs"] or "0").replace("½", ".5"))
    yards = miles * YARDS_PER_MILE + furlongs * YARDS_PER_FURLONG + int(match["yards"] or 0)
    return int(yards)  # whole: furlongs are whole or halves, and 110 y is half a furlong


def to_furlongs(value: Raw) -> float | None:
    """Furlongs from any of the API's three spellings.

    Racecards ``distance_f`` is a bare number (``"16.0"``, ``"10.5"``), results ``dist_f`` has an
    ``f`` suffix (``"8f"``), and ``dist``/``distance`` are mile-furlong-yard strings
    (``"1m3f"``, ``"2m53y"``). One function for all three keeps one meaning per column.
    """
    text = blank(value)
    if text is None:
        return None
    number = to_float(text)
    if number is not None:
        return number if number >= 0 else None
    yards = distance_to_yards(text)
    return None if yards is None else yards_to_furlongs(yards)


def furlongs_to_yards(furlongs: float) -> float:
    """1 furlong = 220 yards, exactly."""
    return furlongs * YARDS_PER_FURLONG


def yards_to_furlongs(yards: float) -> float:
    """1 furlong = 220 yards, exactly."""
    return yards / YARDS_PER_FURLONG


def yards_to_metres(yards: float) -> float:
    """1 yard = 0.9144 m exactly. Prefer the API's ``dist_m`` when it is there (results)."""
    return yards * METRES_PER_YARD


def furlongs_to_metres(furlongs: float) -> float:
    """1 furlong = 201.168 m. Racecards have no metres, so ``distance_m`` comes from this."""
    return furlongs * METRES_PER_FURLONG


# --------------------------------------------------------------------------------------------
# Weights and ages
# --------------------------------------------------------------------------------------------

LBS_PER_STONE = 14

_STONES_LBS = re.compile(r"(?P<st>\d{1,2})\s*(?:-|st)\s*(?P<lb>\d{1,2})(?:\s*lbs?)?", re.IGNORECASE)
_AGE = re.compile(r"(?P<age>\d{1,2})\s*(?:yo|y\.o\.)?", re.IGNORECASE)


def weight_to_lbs(value: Raw) -> int | None:
    """Pounds from a stones-pounds weight (``"9-5"`` -> 131) or a pounds string (``"131"``).

    Results send both ``weight "8-10"`` and ``weight_lbs "122"``; racecards send ``lbs``. The
    pounds part of st-lb must be 0..13, otherwise the text is not a weight.
    """
    text = blank(value)
    if text is None:
        return None
    if match := _STONES_LBS.fullmatch(text):
        stones, pounds = int(match["st"]), int(match["lb"])
        return stones * LBS_PER_STONE + pounds if pounds < LBS_PER_STONE else None
    pounds = to_int(text)
    return pounds if pounds is not None and pounds >= 0 else None


def lbs_to_weight(lbs: int) -> str:
    """Format pounds the way results do, ``131`` -> ``"9-5"`` (the inverse of weight_to_lbs)."""
    stones, pounds = divmod(lbs, LBS_PER_STONE)
    return f"{stones}-{pounds}"


def parse_age(value: Raw) -> int | None:
    """Horse age in years from ``"5"`` or ``"5yo"``."""
    text = blank(value)
    match = _AGE.fullmatch(text) if text else None
    return int(match["age"]) if match else None


_LAST_RUN = re.compile(r"(?P<days>\d+)?\s*(?:\((?P<other_days>\d+)(?P<other_code>[A-Z])\))?", re.IGNORECASE)


class LastRun(NamedTuple):
    """Racecard ``last_run``: days since the last run in this race's code, and in another code."""

    days: int | None
    other_days: int | None
    other_code: str | None  # the other code's letter, e.g. "F" for Flat


def parse_last_run(value: Raw) -> LastRun | None:
    """Read ``last_run``: ``"186"``, ``"204 (71F)"`` (204 days, 71 since a Flat run), ``"(32F)"``.

    The bracketed part is the Racing Post convention for a more recent run under another code,
    so a hurdler's ``"(32F)"`` has never run over jumps but ran on the Flat 32 days ago.
    """
    text = blank(value)
    match = _LAST_RUN.fullmatch(text) if text else None
    if match is None or not (match["days"] or match["other_days"]):
        return None
    other_days = int(match["other_days"]) if match["other_days"] else None
    other_code = match["other_code"].upper() if match["other_code"] else None
    return LastRun(int(match["days"]) if match["days"] else None, other_days, other_code)


# --------------------------------------------------------------------------------------------
# Starting prices and odds
# --------------------------------------------------------------------------------------------

FAVOURITE_MARKS = {"F": "F", "JF": "JF", "J": "JF", "CF": "CF", "C": "CF"}
"""SP suffixes: favourite, joint favourite, co-favourite. Results also write ``"11/4J"``."""

_SP = re.compile(
    r"(?:(?P<num>\d+)\s*/\s*(?P<den>\d+)|(?P<evens>evens|evs|ev))\s*(?P<fav>JF|CF|F|J|C)?",
    re.IGNORECASE,
)


class StartingPrice(NamedTuple):
    """A fractional price, its decimal equivalent, and the favourite marker if any."""

    numerator: int
    denominator: int
    decimal: float
    favourite: str | None  # "F", "JF" or "CF"

    @property
    def is_favourite(self) -> bool:
        """Favourite, joint or co-favourite."""
        return self.favourite is not None


def parse_sp(value: Raw) -> StartingPrice | None:
    """Parse a fractional starting price: ``"13/8F"``, ``"Evs"``, ``"EvensF"``, ``"1/2JF"``.

    Decimal odds are 1 + numerator/denominator, unrounded (the API's ``sp_dec`` is rounded to
    two places, ``"11/8"`` -> ``"2.38"``). Evens is 1/1. A zero denominator is not a price.
    """
    text = blank(value)
    match = _SP.fullmatch(text) if text else None
    if match is None:
        return None
    numerator, denominator = (1, 1) if match["evens"] else (int(match["num"]), int(match["den"]))
    if denominator == 0:
        return None
    favourite = FAVOURITE_MARKS[match["fav"].upper()] if match["fav"] else None
    decimal = float(1 + Fraction(numerator, denominator))
    return StartingPrice(numerator, denominator, decimal, favourite)


def decimal_odds(value: Raw) -> float | None:
    """Decimal odds from ``sp_dec`` or an odds ``decimal`` (``"3.25"``); below 1.0 is not odds."""
    odds = to_float(value)
    return odds if odds is not None and odds >= 1 else None


# --------------------------------------------------------------------------------------------
# Finishing positions and beaten distances
# --------------------------------------------------------------------------------------------

NON_FINISHER_CODES = {
    "PU": "pulled up",
    "F": "fell",
    "UR": "unseated rider",
    "BD": "brought down",
    "RO": "ran out",
    "SU": "slipped up",
    "RR": "refused to race",
    "REF": "refused",
    "CO": "carried out",
    "LFT": "left at start",
    "DSQ": "disqualified",
    "DNF": "did not finish",
    "VOI": "void race",
    "NR": "non-runner",
}
"""Status codes in results ``position``; only PU and UR were seen in recorded bodies."""

_FREE_TEXT_STATUS = re.compile(r"died\b.*", re.IGNORECASE)  # e.g. "Died as a 5" (reference DB)


class Position(NamedTuple):
    """A finishing position: the place if the horse got one, the raw text, and finished or not."""

    place: int | None
    raw: str
    finished: bool


def parse_position(value: Raw) -> Position | None:
    """Read a results ``position``: ``"3"`` -> place 3; ``"PU"`` -> no place, raw kept.

    A dead heat is two runners with the same number, so it needs nothing special. Unknown text
    gives None rather than guessing "did not finish", so a new code shows up as a parse failure
    instead of being filed as a non-finisher (a winner written "1st" must not become a faller).
    """
    text = blank(value)
    if text is None:
        return None
    if text.isdecimal() and int(text) > 0:
        return Position(int(text), text, True)
    if text.upper() in NON_FINISHER_CODES or _FREE_TEXT_STATUS.fullmatch(text):
        return Position(None, text, False)
    return None


MARGIN_LENGTHS = {
    "dht": 0.0,
    "nse": 0.05,
    "shd": 0.1,
    "sht-hd": 0.1,
    "hd": 0.2,
    "snk": 0.25,
    "nk": 0.3,
    "dist": 30.0,
}
"""Named margins in lengths.

Nose 0.05, short head 0.1, head 0.2 and neck 0.3 are the British lengths-per-second table
values (BHA); they are also exactly what The Racing API itself writes into numeric ``btn``
(``"0.05"``, ``"0.1"``, ``"0.2"``, ``"0.3"`` in the recorded bodies). Short neck (a French
margin) sits between head and neck at 0.25. A dead heat is 0. "A distance" means beaten by more
than 30 lengths, so ``dist`` is stored as its lower bound 30.0; the raw text, kept by the
caller, says it was a distance. Numeric margins go up to 99 (seen) and beyond.
"""

_SYMBOL_FRACTIONS = {"¼": Fraction(1, 4), "½": Fraction(1, 2), "¾": Fraction(3, 4)}
_LENGTHS = re.compile(
    r"(?:(?P<whole>\d+(?:\.\d+)?|\.\d+)(?:\s*(?P<symbol>[¼½¾])|\s+(?P<fraction>\d+/\d+))?"
    r"|(?P<lone_symbol>[¼½¾])|(?P<lone_fraction>\d+/\d+))"
    r"\s*(?:l|lens?|lengths?)?",
    re.IGNORECASE,
)


def beaten_lengths(value: Raw) -> float | None:
    """Beaten distance in lengths from ``btn``/``ovr_btn`` or printed margins.

    Accepts numbers (``"1.5"``, ``".75"``, ``"0.75L"``), fractions (``"1/2"``, ``"1 1/4"``,
    ``"2½"``) and named margins (see MARGIN_LENGTHS). ``"-"`` (non-finishers) is missing.
    A whole number and a slash fraction need a space between them: ``"11/4"`` is eleven
    quarters, not 1¼.
    """
    text = blank(value)
    if text is None:
        return None
    if (named := MARGIN_LENGTHS.get(text.lower())) is not None:
        return named
    match = _LENGTHS.fullmatch(text)
    if match is None:
        return None
    whole = Fraction(match["whole"] or 0)
    if symbol := match["symbol"] or match["lone_symbol"]:
        return float(whole + _SYMBOL_FRACTIONS[symbol])
    if fraction := match["fraction"] or match["lone_fraction"]:
        numerator, denominator = (int(part) for part in fraction.split("/"))
        return float(whole + Fraction(numerator, denominator)) if denominator else None
    return float(whole)


# --------------------------------------------------------------------------------------------
# Race times
# --------------------------------------------------------------------------------------------

SECONDS_PER_MINUTE = 60

_CLOCK_TIME = re.compile(r"(?:(?P<min>\d+):)?(?P<sec>\d+(?:\.\d+)?)")
_WORDED_TIME = re.compile(r"(?:(?P<min>\d+)\s*m(?:in)?\s*)?(?P<sec>\d+(?:\.\d+)?)\s*s", re.IGNORECASE)
_TRAILING_NOTE = re.compile(r"\s*\(.*\)\s*$")  # "(slow by 5.55s)" in winning_time_detail


def race_time_seconds(value: Raw) -> float | None:
    """Seconds from a race time: ``"2:5.65"``, ``"4:05.00"``, ``"59.20"``, ``"1m 12.34s"``.

    Runner ``time`` is m:ss.ss without zero padding (``float("2:19.97")`` fails, which is why
    the previous system's ``time_seconds`` was always NULL). ``winning_time_detail`` is worded
    and may end in a note such as ``"(slow by 5.55s)"``, which is dropped. Seconds after a
    minute part must be below 60.
    """
    text = blank(value)
    if text is None:
        return None
    text = _TRAILING_NOTE.sub("", text)
    match = _CLOCK_TIME.fullmatch(text) or _WORDED_TIME.fullmatch(text)
    if match is None:
        return None
    seconds = Decimal(match["sec"])
    if match["min"] is None:
        return float(seconds)
    if seconds >= SECONDS_PER_MINUTE:
        return None
    return float(int(match["min"]) * SECONDS_PER_MINUTE + seconds)


# --------------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------------

CURRENCY_SYMBOLS = {"£": "GBP", "€": "EUR"}

_MONEY = re.compile(r"(?P<symbol>[£€])?\s*(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)")


class Money(NamedTuple):
    """An amount and its ISO currency; currency is None when the API sent a bare number."""

    amount: Decimal
    currency: str | None


def parse_money(value: Raw) -> Money | None:
    """Read prize and tote text: ``"£4,193"``, ``"€7080"``, ``"3245.08"``, ``"£1.80"``, ``"€9"``.

    Result runner prizes are bare numbers for GB and foreign races but carry ``€`` for IRE, so
    the currency is only what the text says; the caller decides what a bare amount means.
    Decimal keeps pence exact.
    """
    text = blank(value)
    match = _MONEY.fullmatch(text) if text else None
    if match is None:
        return None
    currency = CURRENCY_SYMBOLS[match["symbol"]] if match["symbol"] else None
    return Money(Decimal(match["amount"].replace(",", "")), currency)


def parse_money_list(value: Raw) -> tuple[Money, ...] | None:
    """Read a space-separated list of amounts, as in tote place dividends ``"£1.10 £1.80"``."""
    text = blank(value)
    if text is None:
        return None
    amounts = []
    for part in text.split():
        money = parse_money(part)
        if money is None:
            return None
        amounts.append(money)
    return tuple(amounts)


# --------------------------------------------------------------------------------------------
# Dates, times and off times
# --------------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")
_CLOCK = re.compile(r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})")

FIRST_MORNING_HOUR = 10
"""Off-time rule for GB/IRE cards, which run from about 11:00 to 21:30 UK time: on the API's
12-hour clock, hours 10 and 11 are morning, 12 is midday, and 1 to 9 are afternoon or evening
(13:00-21:59). Foreign races are given in UK time too (Caulfield ``"7:15"`` is 07:15), which is
one reason ``off_dt`` always wins when present."""


def parse_date(value: Raw) -> date | None:
    """Calendar date from ``"2025-10-13"`` (race ``date``, ``dob``, odds-free dates)."""
    text = blank(value)
    if text is None or not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:  # well-formed but impossible, e.g. "2025-02-30"
        return None


def parse_datetime(value: Raw) -> datetime | None:
    """Timezone-aware datetime from ISO text; a time without an offset is UK time.

    ``off_dt`` carries its UK offset (``"2025-10-13T14:12:00+01:00"``) and is kept as sent.
    Odds ``updated`` (``"2025-10-13 14:11:07"``) has no zone; the API serves UK time, so it is
    read as Europe/London rather than left naive (DESIGN.md convention 9). A date with no
    time of day is not a timestamp and gives None.
    """
    text = blank(value)
    if text is None or not _ISO_DATETIME.fullmatch(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=LONDON)


parse_off_dt = parse_datetime
"""``off_dt`` -> aware datetime; the name the race transforms read best with."""


def local_date_and_time(moment: datetime) -> tuple[date, time]:
    """The Europe/London calendar date and wall-clock time of an aware datetime.

    Raises ValueError for a naive datetime: guessing its zone here would hide a bug upstream.
    """
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no timezone")
    local = moment.astimezone(LONDON)
    return local.date(), local.time().replace(tzinfo=None)


def off_time_from_dt(moment: datetime) -> time:
    """The UK 24-hour off time of an aware ``off_dt``, e.g. 14:12 for ``"…T14:12:00+01:00"``."""
    return local_date_and_time(moment)[1]


def off_time_24h(value: Raw, off_dt: Raw | datetime = None) -> time | None:
    """The 24-hour UK off time of a race, from ``off_dt`` when there is one.

    ``off_time``/``off`` (``"2:12"``) are a 12-hour clock with no am/pm. With a usable
    ``off_dt`` that is ignored and the time comes from ``off_dt``. Without it the
    FIRST_MORNING_HOUR rule applies, which is right for GB/IRE racing only. A clock already in
    24-hour form (hour 13-23) is taken as it is.
    """
    moment = off_dt if isinstance(off_dt, datetime) else parse_off_dt(off_dt)
    if moment is not None:
        return off_time_from_dt(moment)
    text = blank(value)
    match = _CLOCK.fullmatch(text) if text else None
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    if not 1 <= hour <= 23 or minute > 59:
        return None
    if hour < FIRST_MORNING_HOUR:
        hour += 12
    return time(hour, minute)


def off_datetime(race_date: Raw | date, off_time: Raw) -> datetime | None:
    """Aware UK datetime from a race date and its 12-hour ``off_time``, for when ``off_dt`` is absent."""
    day = race_date if isinstance(race_date, date) else parse_date(race_date)
    clock = off_time_24h(off_time)
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=LONDON)


# --------------------------------------------------------------------------------------------
# Regions, names, sex
# --------------------------------------------------------------------------------------------

_REGION_CODE = re.compile(r"[a-z]{2,3}")
_COUNTRY_SUFFIX = re.compile(r"(?P<name>.*?)\s*\((?P<code>[A-Z]{2,3})\)")
NOT_COUNTRIES = frozenset({"AW"})
"""Bracketed tags that are not countries: ``"Dundalk (AW)"`` is an all-weather course."""


def region_code(value: Raw) -> str | None:
    """One spelling for region codes: ``"GB"``/``"gb"``/``"IRE"`` -> ``"gb"``/``"ire"``.

    Courses say ``gb``, races say ``GB``; requests want lower case, so lower case is canonical.
    Full names (``"Great Britain"``) are not codes and give None.
    """
    text = blank(value)
    code = text.lower() if text else None
    return code if code and _REGION_CODE.fullmatch(code) else None


def split_country_suffix(value: Raw) -> tuple[str, str | None] | None:
    """Split a breeding-country or course-country suffix: ``"Create (IRE)"`` -> ``("Create", "IRE")``.

    Results and horse profiles append the suffix, racecards do not, so names never join (join
    on ids). ``"Dundalk (AW) (IRE)"`` -> ``("Dundalk (AW)", "IRE")``; no suffix -> ``(name, None)``.
    """
    text = blank(value)
    if text is None:
        return None
    match = _COUNTRY_SUFFIX.fullmatch(text)
    if match is None or match["code"] in NOT_COUNTRIES or not match["name"]:
        return text, None
    return match["name"], match["code"]


SEX_WORDS = {
    "colt": "C",
    "filly": "F",
    "gelding": "G",
    "mare": "M",
    "horse": "H",
    "stallion": "H",
    "rig": "R",
    "ridgling": "R",
}
"""Racecards spell sex as a word, results as a one-letter code; the code is canonical."""
SEX_CODES = frozenset(SEX_WORDS.values())
SEX_NAMES = {"C": "colt", "F": "filly", "G": "gelding", "M": "mare", "H": "horse", "R": "rig"}
"""The racecard's word for each code, to spell out a result's code where no racecard said it."""


def sex_code(value: Raw) -> str | None:
    """Canonical sex code (C, F, G, M, H, R) from a racecard word or a results code."""
    text = blank(value)
    if text is None:
        return None
    if text.upper() in SEX_CODES:
        return text.upper()
    return SEX_WORDS.get(text.lower())


def sex_word(value: Raw) -> str | None:
    """The racecard's word (``"gelding"``) for a results code (``"G"``) or a word."""
    code = sex_code(value)
    return SEX_NAMES[code] if code else None


# --------------------------------------------------------------------------------------------
# Pedigree ids
# --------------------------------------------------------------------------------------------

_PEDIGREE_ID = re.compile(r"(?:sir|dam|dsi)_(?P<number>\d+)")


def pedigree_horse_id(value: Raw) -> str | None:
    """The horse record of a sire, dam or damsire: ``"sir_123"`` -> ``"hrs_123"``.

    The Racing API numbers a stallion's or mare's pedigree ids and horse id alike (CONTRACT.md
    §5.15: the entity's own racing record is ``/v1/horses/hrs_<same number>``), so the link is
    by id, never by name. Anything else gives None.
    """
    text = blank(value)
    match = _PEDIGREE_ID.fullmatch(text) if text else None
    return f"hrs_{match['number']}" if match else None

