"""Pydantic models of The Racing API bodies, tolerant of both API generations.

Values stay close to the API: mostly strings, exactly as sent, because turning racing strings
into numbers is ``darkhorses.parse``'s job. Two things are normalised here, and only these:

* the missing-value markers of the 2025 bodies (``""``, ``"-"``, the en dash) and the ``null``
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

from collections import Counter
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from darkhorses.racing_api.errors import BadPayload

#: The strings the 2025 API used for "no value": empty text, a hyphen (racecard ratings) and an
#: en dash (result ratings).
MISSING_MARKERS = frozenset({"", "-", "\u2013"})


def blank_to_none(value: Any) -> Any:
    """Return ``None`` for a missing-value marker (``""``, ``"-"``, ``"–"``, blank, ``None``).

    Anything else comes back unchanged, so this is safe to apply to any API value.
    """
    if isinstance(value, str) and value.strip() in MISSING_MARKERS:
        return None
    return value


class ApiModel(BaseModel):
    """Base of every body model: allow and keep unknown keys, map missing markers to ``None``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)

    @model_validator(mode="before")
    @classmethod
    def _normalise_missing(cls, data: Any) -> Any:
        """One pass over the object's keys (a validator per field costs far more on big pages)."""
        if not isinstance(data, dict):
            return data
        lists = _list_keys(cls)
        cleaned = {}
        for key, value in data.items():
            value = blank_to_none(value)
            cleaned[key] = [] if value is None and key in lists else value
        return cleaned


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


def parse_body(shape: type[T] | Any, text: str, *, path: str = "", status: int | None = None) -> T:
    """Validate a JSON body against ``shape`` (a model or e.g. ``list[Region]``).

    Raises :class:`BadPayload` naming the path and the first problem, with the raw text kept.
    """
    try:
        return TypeAdapter(shape).validate_json(text)  # type: ignore[no-any-return]
    except ValidationError as exc:
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
        raise error from None


def unknown_fields(value: Any, path: str = "") -> Counter[str]:
    """Count the keys the models did not expect, by path (``racecards[].runners[].new_key``).

    Walks a model, a list of models, or nested combinations; a field seen in 30 runners counts 30.
    Only fields that can hold models are descended into, so a full racecard page stays cheap.
    """
    counts: Counter[str] = Counter()
    _count_unknown(value, path, counts)
    return counts


def _count_unknown(value: Any, path: str, counts: Counter[str]) -> None:
    if isinstance(value, BaseModel):
        for key in value.model_extra or ():
            counts[_join(path, key)] += 1
        for name, key in _nested_fields(type(value)):
            _count_unknown(getattr(value, name), _join(path, key), counts)
    elif isinstance(value, list) and value and isinstance(value[0], BaseModel | list):
        for item in value:
            _count_unknown(item, f"{path}[]", counts)


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
