"""Pydantic models of The Racing API bodies, tolerant of both API generations.

Values stay close to the API: mostly strings, exactly as sent, because turning racing strings
into numbers is ``darkhorses.parse``'s job. Two things are normalised here, and only these:

* the missing-value markers of real bodies (:data:`darkhorses.parse.MISSING_TOKENS`: ``""``,
  ``"-"``, the en and em dashes, ``"None"``) and the ``null``
  of the 2026 bodies all become ``None`` (see :func:`blank_to_none`), and a ``null`` list
  becomes ``[]``;
* keys that are not valid Python names get a Python name with the API key as alias
  (``class`` → ``class_``, ``or`` → ``or_``, ``1st`` → ``first``, ``a/e`` → ``ae``).
  ``model_dump(by_alias=True)`` gives the API keys back.

Unknown keys never fail validation (``extra="allow"``): the API adds fields between versions.
:func:`unknown_fields` counts them so a run can report what it is not storing. Only the ids a
row cannot exist without, and the item list of an envelope, are required; a body missing one
raises ``BadPayload`` (an error body served with status 200 must not pass as "no races").
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any, Self, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from darkhorses.parse import MISSING_TOKENS
from darkhorses.racing_api.errors import BadPayload

def blank_to_none(value: Any) -> Any:
    """Return ``None`` for a missing-value marker (:data:`~darkhorses.parse.MISSING_TOKENS`, blank).

    Anything else comes back unchanged, so this is safe to apply to any API value.
    """
    if isinstance(value, str) and value.strip() in MISSING_TOKENS:
        return None
    return value


class ApiModel(BaseModel):
    """Base of every body model: allow and keep unknown keys, map missing markers to ``None``.

    The markers are mapped before validation rather than by a validator: a Python validator on
    every object makes pydantic turn each JSON object into a dict first, which was more than half
    the cost of reading a Pro racecard page. :meth:`model_validate` cleans Python data
    (:func:`normalised`), :meth:`model_validate_json` and :func:`parse_body` the JSON text;
    either way each object's own values are cleaned, as a validator per object would.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        return super().model_validate(normalised(cls, obj), *args, **kwargs)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any) -> Self:
        text = json_data if isinstance(json_data, str) else bytes(json_data).decode()
        from_json = super().model_validate_json
        return _from_text(text, lambda cleaned: from_json(cleaned, *args, **kwargs),
                          lambda data: cls.model_validate(data, *args, **kwargs))


Text = str | None

_LIST_KEYS: dict[type, frozenset[str]] = {}


def _list_keys(model: type[BaseModel]) -> frozenset[str]:
    """The keys (API spelling) of ``model``'s list fields, where ``null`` means an empty list."""
    keys = _LIST_KEYS.get(model)
    if keys is None:
        keys = frozenset(
            field.alias or name
            for name, field in model.model_fields.items()
            if get_origin(field.annotation) is list
        )
        _LIST_KEYS[model] = keys
    return keys


@cache
def _nested_shapes(model: type[BaseModel]) -> dict[str, Any]:
    """The annotation of each field that can hold models, by API key and by attribute name."""
    shapes: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if _mentions_model(field.annotation):
            shapes[name] = shapes[field.alias or name] = field.annotation
    return shapes


def normalised(shape: Any, data: Any) -> Any:
    """``data`` (decoded JSON) with the missing markers of every object that ``shape`` reads as a
    model mapped to ``None``, and ``null`` lists to ``[]``. Lists' own items stay as they are."""
    if isinstance(shape, type) and issubclass(shape, ApiModel):
        return _normalised_object(shape, data) if isinstance(data, dict) else data
    if get_origin(shape) is list:
        return [normalised(get_args(shape)[0], item) for item in data] if isinstance(data, list) else data
    for arg in get_args(shape):  # an optional model, say
        if _mentions_model(arg):
            data = normalised(arg, data)
    return data


def _normalised_object(model: type[ApiModel], data: dict[str, Any]) -> dict[str, Any]:
    lists, nested = _list_keys(model), _nested_shapes(model)
    cleaned = {}
    for key, value in data.items():
        value = blank_to_none(value)
        if value is None and key in lists:
            value = []
        elif key in nested:
            value = normalised(nested[key], value)
        cleaned[key] = value
    return cleaned


def _list() -> Any:
    return Field(default_factory=list)


# --- reference data -----------------------------------------------------------------------------


class Course(ApiModel):
    """``/v1/courses`` item. ``region_code`` is lower case (``gb``), ``region`` a country name."""

    id: str
    course: Text = None
    region_code: Text = None
    region: Text = None


class CoursesPage(ApiModel):
    courses: list[Course]
    total: int | None = None


class Region(ApiModel):
    """``/v1/courses/regions`` item (the body is a bare JSON array of these)."""

    region: Text = None
    region_code: str


# --- racecards (Pro) ----------------------------------------------------------------------------


class OddsPoint(ApiModel):
    """One price change in a bookmaker's odds history."""

    changed_at: Text = None
    fractional: Text = None
    decimal: Text = None


class BookmakerOdds(ApiModel):
    """One bookmaker's price for a runner; bookmakers have names, never ids."""

    bookmaker: Text = None
    fractional: Text = None
    decimal: Text = None
    ew_places: Text = None
    ew_denom: Text = None
    updated: Text = None
    history: list[OddsPoint] = _list()


class Trainer14Days(ApiModel):
    runs: Text = None
    wins: Text = None
    percent: Text = None


class PrevTrainer(ApiModel):
    trainer: Text = None
    trainer_id: Text = None
    change_date: Text = None


class PrevOwner(ApiModel):
    owner: Text = None
    owner_id: Text = None
    change_date: Text = None


class Quote(ApiModel):
    date: Text = None
    horse: Text = None
    horse_id: Text = None
    race: Text = None
    race_id: Text = None
    course: Text = None
    course_id: Text = None
    distance_f: Text = None
    distance_y: Text = None
    quote: Text = None


class StableTourQuote(ApiModel):
    quote: Text = None


class Medical(ApiModel):
    date: Text = None
    type: Text = None


class RacecardRunner(ApiModel):
    """A declared runner. A non-runner stays in the list with ``number == "NR"``."""

    horse_id: str
    horse: Text = None
    dob: Text = None
    age: Text = None
    sex: Text = None
    sex_code: Text = None
    colour: Text = None
    region: Text = None
    breeder: Text = None
    dam: Text = None
    dam_id: Text = None
    dam_region: Text = None
    sire: Text = None
    sire_id: Text = None
    sire_region: Text = None
    damsire: Text = None
    damsire_id: Text = None
    damsire_region: Text = None
    trainer: Text = None
    trainer_id: Text = None
    trainer_location: Text = None
    trainer_14_days: Trainer14Days | None = None
    owner: Text = None
    owner_id: Text = None
    prev_trainers: list[PrevTrainer] = _list()
    prev_owners: list[PrevOwner] = _list()
    comment: Text = None
    spotlight: Text = None
    quotes: list[Quote] = _list()
    stable_tour: list[StableTourQuote] = _list()
    medical: list[Medical] = _list()
    number: Text = None
    draw: Text = None
    headgear: Text = None
    headgear_run: Text = None
    wind_surgery: Text = None
    wind_surgery_run: Text = None
    past_results_flags: list[str] = _list()
    lbs: Text = None
    ofr: Text = None
    rpr: Text = None
    ts: Text = None
    jockey: Text = None
    jockey_id: Text = None
    silk_url: Text = None
    last_run: Text = None
    form: Text = None
    trainer_rtf: Text = None
    odds: list[BookmakerOdds] = _list()


class Racecard(ApiModel):
    """A Pro racecard: one race with every declared runner. ``off_time`` is 12-hour, no am/pm."""

    race_id: str
    course: Text = None
    course_id: Text = None
    date: Text = None
    off_time: Text = None
    off_dt: Text = None
    race_name: Text = None
    distance_round: Text = None
    distance: Text = None
    distance_f: Text = None
    region: Text = None
    pattern: Text = None
    sex_restriction: Text = None
    race_class: Text = None
    type: Text = None
    age_band: Text = None
    rating_band: Text = None
    prize: Text = None
    field_size: Text = None
    going_detailed: Text = None
    rail_movements: Text = None
    stalls: Text = None
    weather: Text = None
    going: Text = None
    surface: Text = None
    jumps: Text = None
    runners: list[RacecardRunner] = _list()
    big_race: bool | None = None
    is_abandoned: bool | None = None
    tip: Text = None
    verdict: Text = None
    betting_forecast: Text = None
    race_status: Text = None


# --- results ------------------------------------------------------------------------------------


class ResultRunner(ApiModel):
    """A runner that started (non-runners only appear in the race's ``non_runners`` text)."""

    horse_id: str
    horse: Text = None
    sp: Text = None
    sp_dec: Text = None
    bsp: Text = None
    number: Text = None
    position: Text = None
    draw: Text = None
    btn: Text = None
    ovr_btn: Text = None
    age: Text = None
    sex: Text = None
    weight: Text = None
    weight_lbs: Text = None
    headgear: Text = None
    time: Text = None
    or_: Text = Field(None, alias="or")
    rpr: Text = None
    tsr: Text = None
    prize: Text = None
    jockey: Text = None
    jockey_claim_lbs: Text = None
    jockey_id: Text = None
    trainer: Text = None
    trainer_id: Text = None
    owner: Text = None
    owner_id: Text = None
    sire: Text = None
    sire_id: Text = None
    dam: Text = None
    dam_id: Text = None
    damsire: Text = None
    damsire_id: Text = None
    comment: Text = None
    silk_url: Text = None


class Result(ApiModel):
    """A resulted race. ``off`` is 12-hour, no am/pm; course names carry a country suffix abroad."""

    race_id: str
    date: Text = None
    region: Text = None
    course: Text = None
    course_id: Text = None
    off: Text = None
    off_dt: Text = None
    race_name: Text = None
    type: Text = None
    class_: Text = Field(None, alias="class")
    pattern: Text = None
    rating_band: Text = None
    age_band: Text = None
    sex_rest: Text = None
    dist: Text = None
    dist_y: Text = None
    dist_m: Text = None
    dist_f: Text = None
    going: Text = None
    surface: Text = None
    jumps: Text = None
    runners: list[ResultRunner] = _list()
    winning_time_detail: Text = None
    comments: Text = None
    non_runners: Text = None
    tote_win: Text = None
    tote_pl: Text = None
    tote_ex: Text = None
    tote_csf: Text = None
    tote_tricast: Text = None
    tote_trifecta: Text = None


# --- paged envelopes ----------------------------------------------------------------------------


class Page(ApiModel):
    """``{<items>, total, limit, skip, query}``; ``total`` counts the whole match set."""

    total: int
    limit: int | None = None
    skip: int | None = None
    query: list[list[Any]] = _list()

    @property
    def items(self) -> list[Any]:
        raise NotImplementedError


class RacecardsPage(Page):
    racecards: list[Racecard]

    @property
    def items(self) -> list[Racecard]:
        return self.racecards


class ResultsPage(Page):
    results: list[Result]  # required; ``null`` (allowed in 2026) becomes []

    @property
    def items(self) -> list[Result]:
        return self.results


# --- horses, searches, odds ---------------------------------------------------------------------


class HorseStandard(ApiModel):
    """``/v1/horses/{id}/standard`` and each ``/v1/horses/search`` hit: name and pedigree ids."""

    id: str
    name: Text = None
    sire: Text = None
    sire_id: Text = None
    dam: Text = None
    dam_id: Text = None
    damsire: Text = None
    damsire_id: Text = None


class HorsePro(HorseStandard):
    """``/v1/horses/{id}/pro``: the standard profile plus breeder, colour, sex and date of birth."""

    breeder: Text = None
    colour: Text = None
    colour_code: Text = None
    dob: Text = None
    sex: Text = None
    sex_code: Text = None


class SearchResult(ApiModel):
    """A jockey, trainer, owner, sire, dam or damsire search hit."""

    id: str
    name: Text = None


class HorseSearchResults(ApiModel):
    search_results: list[HorseStandard]


class SearchResults(ApiModel):
    search_results: list[SearchResult]


class RunnerOdds(ApiModel):
    """``/v1/odds/{race_id}/{horse_id}``: every bookmaker's price and its movements."""

    race_id: str
    horse_id: str
    horse: Text = None
    odds: list[BookmakerOdds] = _list()


# --- analysis -----------------------------------------------------------------------------------


class StatsRow(ApiModel):
    """Counts and ratios shared by every analysis table; ``win_pct`` is a fraction (0.11 = 11 %)."""

    rides: int | None = None
    runners: int | None = None
    runs: int | None = None
    first: int | None = Field(None, alias="1st")
    second: int | None = Field(None, alias="2nd")
    third: int | None = Field(None, alias="3rd")
    fourth: int | None = Field(None, alias="4th")
    ae: float | None = Field(None, alias="a/e")
    win_pct: float | None = Field(None, alias="win_%")
    one_pl: float | None = Field(None, alias="1_pl")


class CourseStats(StatsRow):
    course: Text = None
    course_id: Text = None
    region: Text = None


class DistanceStats(StatsRow):
    dist: Text = None
    dist_y: Text = None
    dist_m: Text = None
    dist_f: Text = None


class JockeyStats(StatsRow):
    jockey_id: Text = None
    jockey: Text = None


class TrainerStats(StatsRow):
    trainer_id: Text = None
    trainer: Text = None


class OwnerStats(StatsRow):
    owner_id: Text = None
    owner: Text = None


class HorseAgeStats(StatsRow):
    horse_age: Text = None


class ClassStats(StatsRow):
    class_: Text = Field(None, alias="class")


class Analysis(ApiModel):
    """Any ``/v1/{jockeys|trainers|owners|sires|dams|damsires}/{id}/analysis/{table}`` body.

    Exactly one entity-name field, one ``total_*`` and one table list are filled, depending on the
    endpoint; the others stay ``None`` / ``[]``.
    """

    id: str
    jockey: Text = None
    trainer: Text = None
    owner: Text = None
    sire: Text = None
    dam: Text = None
    damsire: Text = None
    total_rides: int | None = None
    total_runners: int | None = None
    total_runs: int | None = None
    courses: list[CourseStats] = _list()
    distances: list[DistanceStats] = _list()
    jockeys: list[JockeyStats] = _list()
    trainers: list[TrainerStats] = _list()
    owners: list[OwnerStats] = _list()
    horse_ages: list[HorseAgeStats] = _list()
    classes: list[ClassStats] = _list()
    query: list[list[Any]] = _list()


class RunTime(ApiModel):
    date: Text = None
    region: Text = None
    course: Text = None
    time: Text = None
    going: Text = None
    position: Text = None


class DistanceTimes(DistanceStats):
    times: list[RunTime] = _list()


class HorseDistanceTimes(HorseStandard):
    """``/v1/horses/{id}/analysis/distance-times``; the horse's name is under ``horse`` here."""

    horse: Text = None
    total_runs: int | None = None
    distances: list[DistanceTimes] = _list()
    query: list[list[Any]] = _list()


# --- parsing and tolerance accounting -----------------------------------------------------------

T = TypeVar("T")

_MARKER_CHARS = re.escape("".join(sorted(token for token in MISSING_TOKENS if len(token) == 1)))
_MARKER_WORDS = "|".join(re.escape(token) for token in sorted(MISSING_TOKENS) if len(token) > 1)
_VALUE_TO_CLEAN = re.compile(
    rf':\s*(?:("(?:[\s{_MARKER_CHARS}]|\\[^u]|\\u[0-9a-fA-F]{{4}})*"|"\s*(?:{_MARKER_WORDS})\s*")|null\b)'
)
"""An object value that cleaning may change: a string made of nothing but white space, the
one-character markers of :data:`~darkhorses.parse.MISSING_TOKENS` and escapes, or one of its
words (a candidate missing marker, decided by :func:`blank_to_none` on the decoded string), or
``null`` (an empty list where the key is a list). After a colon, in valid JSON, a string can only
be a value (a colon inside a string is followed by more string)."""


@cache
def _null_list_keys() -> frozenset[str]:
    """The keys that are lists in every model that has them, where ``null`` means ``[]``
    (``runners`` is also a count in analysis rows, so a ``null`` there is left to
    :func:`normalised`)."""
    lists: set[str] = set()
    others: set[str] = set()
    for model in _api_models(ApiModel):
        lists |= _list_keys(model)
        others |= {field.alias or name for name, field in model.model_fields.items()} - _list_keys(model)
    return frozenset(lists - others)


def _api_models(model: type[ApiModel]) -> list[type[ApiModel]]:
    return [model, *(sub for child in model.__subclasses__() for sub in _api_models(child))]


def _key_before(text: str, colon: int) -> str | None:
    """The object key a value's colon at ``colon`` follows: the text between the two quotes
    before it (list keys hold no quotes)."""
    close = colon - 1
    while close >= 0 and text[close].isspace():
        close -= 1
    if close < 0 or text[close] != '"':
        return None
    return text[text.rfind('"', 0, close) + 1 : close]


def _cleaned_value(text: str, match: re.Match[str]) -> str | None:
    """What a :data:`_VALUE_TO_CLEAN` value becomes, or None to leave it: a missing marker
    ``null``, and a ``null`` (sent or from a marker) ``[]`` under a list key."""
    marker = match.group(1)
    if marker is not None and marker != '""':
        try:
            value = json.loads(marker)
        except ValueError:  # an invalid escape: the body is not JSON, and validation will say so
            return None
        if blank_to_none(value) is not None:
            return None
    if _key_before(text, match.start()) in _null_list_keys():
        return "[]"
    return "null" if marker else None


def _cleaned_json(text: str) -> str:
    """The JSON text with missing markers as ``null`` and ``null`` lists as ``[]``, so that it can
    be validated straight from the text. Nested values of unknown keys are cleaned too (they are
    only counted, never stored). One scan: a racecard day is 2.5 MB."""
    pieces: list[str] = []
    done = 0
    for match in _VALUE_TO_CLEAN.finditer(text):
        cleaned = _cleaned_value(text, match)
        if cleaned is not None:
            pieces += (text[done : match.start(1) if match.group(1) else match.end() - 4], cleaned)
            done = match.end()
    pieces.append(text[done:])
    return "".join(pieces)


_FLOAT_VALUE = re.compile(r"[:\[,]\s*-?\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)(?=[\s,}\]])")
"""A JSON number with a fraction or an exponent (or text that looks like one inside a string).
Validated from text, ``16.0`` would become the string ``"16"`` where a text field takes numbers,
but ``"16.0"`` from the decoded float; a body with one is read the decoded way."""

_FRACTION = re.compile(r"\.\d+(?:[eE][+-]?\d+)?[\s,}\]]")
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789E", b"000000000e")
"""Every ASCII digit to ``0`` and ``E`` to ``e``: an exponent mark after a digit is then one needle."""


def _may_hold_float(text: str) -> bool:
    """A quick test that :data:`_FLOAT_VALUE` may match: a fraction ends before a delimiter, or
    an ASCII digit is followed by an exponent mark. Most bodies have neither, and searching for
    either costs a tenth of the full pattern, which must try every comma and colon."""
    if _FRACTION.search(text):
        return True
    return b"0e" in text.encode("utf-8", "surrogatepass").translate(_DIGITS_TO_ZERO)


def _fast(text: str) -> str | None:
    """The cleaned text to validate straight from, or None when only decoding is exact."""
    if _may_hold_float(text) and _FLOAT_VALUE.search(text):
        return None
    return _cleaned_json(text)


@cache
def _adapter(shape: Any) -> TypeAdapter[Any]:
    return TypeAdapter(shape)


def parse_body(shape: type[T] | Any, text: str, *, path: str = "", status: int | None = None) -> T:
    """Validate a JSON body against ``shape`` (a model or e.g. ``list[Region]``).

    The body is validated straight from its cleaned text (:func:`_cleaned_json`). A body with
    fractional numbers, or one that then fails (a ``null`` where a key is a list in one model
    and a number in another, or a real problem), is decoded and normalised object by object
    instead, and that answer stands.
    Raises :class:`BadPayload` naming the path and the first problem, with the raw text kept.
    """
    adapter = _adapter(shape)
    try:
        return _from_text(text, adapter.validate_json, lambda data: adapter.validate_python(normalised(shape, data)))
    except ValidationError as exc:  # from the decoded way, so the error is worded on the text as sent
        raise _bad_payload(exc, text, path, status) from None


def _from_text(text: str, from_json: Callable[[str], T], from_data: Callable[[Any], T]) -> T:
    """Validate ``text`` with ``from_json`` on its cleaned text where that is exact
    (:func:`_fast`); otherwise, or when that fails, with ``from_data`` on the decoded body, whose
    answer stands."""
    cleaned = _fast(text)
    if cleaned is not None:
        try:
            return from_json(cleaned)
        except ValidationError:
            pass
    return from_data(_decoded(text))


def _decoded(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:  # not JSON: pydantic's own error says where, as it always did
        return _adapter(Any).validate_json(text)


def _bad_payload(exc: ValidationError, text: str, path: str, status: int | None) -> BadPayload:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    error = BadPayload(
        f"The Racing API sent a body for {path or 'this request'} that does not fit: "
        f"{where}: {first['msg']}{more}",
        path=path,
        status=status,
        raw=text,
    )
    error.retryable = first["type"] == "json_invalid"  # not JSON at all: likely a transient glitch
    return error


def unknown_fields(value: Any, path: str = "") -> Counter[str]:
    """Count the keys the models did not expect, by path (``racecards[].runners[].new_key``).

    Walks a model, a list of models, or nested combinations; a field seen in 30 runners counts 30.
    Only fields that can hold models are descended into, and a level at a time (all the runners
    of a page, then all their prices), so that the Python work grows with the number of field
    paths rather than with the 40,000 objects of a racecard day.
    """
    counts: Counter[str] = Counter()
    for depth, models in _models_by_depth([value]).items():
        _count_unknown(models, path + "[]" * depth, counts)
    return counts


def _count_unknown(models: list[BaseModel], path: str, counts: Counter[str]) -> None:
    """Count the extra keys of ``models``, all found at ``path``, and of the models below them."""
    for extra in [model.__pydantic_extra__ for model in models if model.__pydantic_extra__]:
        for key in extra:
            counts[_join(path, key)] += 1
    kinds = set(map(type, models))
    for kind in kinds:
        group = models if len(kinds) == 1 else [model for model in models if type(model) is kind]
        for name, key in _nested_fields(kind):
            for depth, below in _models_by_depth([getattr(model, name) for model in group]).items():
                _count_unknown(below, _join(path, key) + "[]" * depth, counts)


def _models_by_depth(values: list[Any]) -> dict[int, list[BaseModel]]:
    """The models among ``values`` and inside their lists, keyed by how many lists deep they are."""
    found: dict[int, list[BaseModel]] = {}
    depth = 0
    while values:
        models = [value for value in values if isinstance(value, BaseModel)]
        if models:
            found[depth] = models
        values = [item for value in values if isinstance(value, list) for item in value]
        depth += 1
    return found


@cache
def _nested_fields(model: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """``(attribute, API key)`` of the fields whose type mentions a model."""
    return tuple(
        (name, field.alias or name)
        for name, field in model.model_fields.items()
        if _mentions_model(field.annotation)
    )


def _mentions_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_mentions_model(arg) for arg in get_args(annotation))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
