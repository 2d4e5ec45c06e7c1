"""API payloads to table rows. Pure: no I/O, no clock, no database.

Each function takes validated models from :mod:`darkhorses.racing_api.models` and returns a
:class:`Batch`: the rows of every table the payload touches, each carrying **only the columns that
endpoint owns** (a results row never mentions the racecard's pre-race comment, so an upsert can
never null it). Parents that another endpoint owns (a course seen in a racecard) are *stubs*:
created if missing, never overwritten. Surrogate ids that only the database knows (bookmaker ids,
runner ids) are resolved by the writer; here rows carry the natural keys.

Names are stored without the breeding-country suffix that results and profiles append
(``"Create (IRE)"`` → ``"Create"``, region ``ire``) so every endpoint writes the same value, and
region codes are lower case everywhere (``gb``, ``ire``), the vocabulary the API's filters use.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime
from typing import Any

from darkhorses import parse
from darkhorses.db.schema import metadata
from darkhorses.db.upsert import conflict_key
from darkhorses.ingest.coordinates import course_coordinates
from darkhorses.racing_api.endpoints import RESULTS, Endpoint
from darkhorses.racing_api.models import (
    ApiModel,
    Course,
    HorseStandard,
    Racecard,
    RacecardRunner,
    Region,
    Result,
    ResultRunner,
)

Row = dict[str, Any]

ODDS_COLUMNS = ("race_id", "horse_id", "bookmaker_code", "fractional_odds", "decimal_odds", "ew_places", "ew_denom",
                "updated_at")
"""The values of a :attr:`Batch.odds` row, in order. A Pro racecard day has twelve thousand
prices: as tuples they cost a fraction of dicts to build, to send from the page worker and to
bind."""


@dataclass(frozen=True)
class Quarantined:
    """A record that could not be loaded: why, and the raw JSON to look at or replay."""

    record_key: str
    reason: str
    raw: str


@dataclass
class Batch:
    """Everything one payload writes, grouped by table."""

    upserts: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    stubs: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    odds: list[tuple[Any, ...]] = field(default_factory=list)
    """``ra_runner_odds`` rows as :data:`ODDS_COLUMNS` tuples, keyed by ``bookmaker_code``; the
    writer swaps in bookmaker ids."""
    supplementary: list[Row] = field(default_factory=list)
    """``ra_runner_supplementary`` rows keyed by (race_id, horse_id); the writer swaps in runner ids."""
    updates: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    """Rows that change existing records only (by primary key), never create them."""
    fills: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    """Rows (natural key plus values) of records the batch also upserts, whose values are written
    only where the stored value is missing: the columns this endpoint is only a fallback for
    (``info["fallback"]`` in the schema), such as a result's rounded distance."""
    quarantined: list[Quarantined] = field(default_factory=list)
    unparsed: Counter[str] = field(default_factory=Counter)
    """Values the API sent that no parser could read, by field: stored as NULL, reported."""
    unknown_fields: Counter[str] = field(default_factory=Counter)
    """Keys the models did not know, as ``"<endpoint> <field path>"``: not stored, reported."""

    def extend(self, other: Batch) -> Batch:
        for table, rows in other.upserts.items():
            self.upserts[table].extend(rows)
        for table, rows in other.stubs.items():
            self.stubs[table].extend(rows)
        for table, rows in other.updates.items():
            self.updates[table].extend(rows)
        for table, rows in other.fills.items():
            self.fills[table].extend(rows)
        self.odds.extend(other.odds)
        self.supplementary.extend(other.supplementary)
        self.quarantined.extend(other.quarantined)
        self.unparsed.update(other.unparsed)
        self.unknown_fields.update(other.unknown_fields)
        return self

    def row_count(self) -> int:
        written = [*self.upserts.values(), *self.updates.values(), self.odds, self.supplementary]  # fills: same rows
        return sum(map(len, written))


@lru_cache(maxsize=None)
def _memo(parser: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, bool]]:
    """The parser with a bounded memory of its answers and of whether each one failed (see
    :func:`darkhorses.parse.parse_failed`): a day's odds repeat the same few prices and
    timestamps tens of thousands of times, and every parser is pure, so each distinct string is
    read once."""

    @lru_cache(maxsize=16384)
    def read(raw: Any) -> tuple[Any, bool]:
        value = parser(raw)
        return value, parse.parse_failed(raw, value)

    return read


def _checked(batch: Batch, name: str, raw: Any, parser: Callable[[Any], Any]) -> Any:
    """Parse ``raw``; count it in ``batch.unparsed`` when the API sent something unreadable."""
    value, failed = _memo(parser)(raw)
    if failed:
        batch.unparsed[name] += 1
    return value


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _name_and_region(raw: str | None, region: str | None = None) -> tuple[str | None, str | None]:
    """``"Create (IRE)"`` → ``("Create", "ire")``; an explicit region wins over the suffix."""
    split = parse.split_country_suffix(raw)
    if split is None:
        return None, parse.region_code(region)
    name, suffix = split
    return name, parse.region_code(region) or parse.region_code(suffix)


def _without_none_keys(row: Row) -> Row:
    """Drop keys whose value is None from a *parent* row, so an endpoint that does not know a
    value (a results runner has no colour) does not erase what another endpoint stored."""
    return {key: value for key, value in row.items() if value is not None}


@lru_cache(maxsize=None)
def _fallback_columns(table: str, endpoint: Endpoint) -> tuple[frozenset[str], tuple[str, ...]]:
    """Columns of ``table`` that ``endpoint`` only fills where nothing is stored (schema data),
    and the table's natural key, which a fill row carries."""
    columns = metadata.tables[table]
    return frozenset(c.name for c in columns.columns if c.info.get("fallback") == endpoint), conflict_key(columns)


def _upsert(batch: Batch, table: str, row: Row, endpoint: Endpoint) -> None:
    """Add ``row`` to ``table``'s upserts, its fallback columns (present values only) to the fills."""
    fallback, key = _fallback_columns(table, endpoint)
    values = {name: row.pop(name) for name in fallback & row.keys()}
    batch.upserts[table].append(row)
    present = {name: value for name, value in values.items() if value is not None}
    if present:
        batch.fills[table].append({**{name: row[name] for name in key}, **present})


def _parent(batch: Batch, table: str, entity_id: str | None, values: Row) -> None:
    """A jockey, trainer, owner, sire, dam or damsire a runner refers to. Without a name the id
    itself stands in, as a stub only, so the foreign key holds and a later named sighting wins."""
    if not entity_id:
        return
    if values.get("name"):
        batch.upserts[table].append(_without_none_keys({"id": entity_id, **values}))
    else:
        batch.stubs[table].append({"id": entity_id, "name": entity_id,
                                   **_without_none_keys({"horse_id": values.get("horse_id")})})


_CLAIM_SUFFIX = re.compile(r"\s*\(\d+\)$")


def _jockey_name(raw: str | None) -> str | None:
    """A racecard writes an apprentice's allowance after the name (``James Turner(5)``), a result
    does not; the jockey's name is the same either way, and must not depend on which came last."""
    return _CLAIM_SUFFIX.sub("", raw) if raw else raw


def _people(batch: Batch, runner: RacecardRunner | ResultRunner) -> None:
    for table, id_key, name in (
        ("ra_mst_jockeys", "jockey_id", _jockey_name(runner.jockey)),
        ("ra_mst_trainers", "trainer_id", runner.trainer),
        ("ra_mst_owners", "owner_id", runner.owner),
    ):
        _parent(batch, table, getattr(runner, id_key), {"name": name})


def _pedigree_parents(batch: Batch, source: ApiModel, regions: dict[str, str | None] | None = None) -> None:
    for kind, table in (("sire", "ra_mst_sires"), ("dam", "ra_mst_dams"), ("damsire", "ra_mst_damsires")):
        name, region = _name_and_region(getattr(source, kind), (regions or {}).get(kind))
        entity_id = getattr(source, f"{kind}_id")
        _parent(batch, table, entity_id, {"name": name, "region": region,
                                          "horse_id": parse.pedigree_horse_id(entity_id)})


def _course_stub(batch: Batch, course_id: str | None, course: str | None, region: str | None) -> None:
    name, _ = _name_and_region(course)
    if course_id:
        batch.stubs["ra_mst_courses"].append(
            {"id": course_id, "name": name or course_id, "region_code": parse.region_code(region),
             **_position(name)}
        )


def _position(course: str | None) -> Row:
    """A course's latitude and longitude from the shipped list (nothing when it is not listed)."""
    found = course_coordinates(course)
    return {"latitude": found[0], "longitude": found[1]} if found else {}


def _race_common(batch: Batch, item: Racecard | Result, off_time_raw: str | None) -> Row:
    """The race columns both endpoints own, read the same way from either."""
    off_dt = _checked(batch, "off_dt", item.off_dt, parse.parse_datetime)
    off_time = parse.off_time_24h(off_time_raw, item.off_dt)
    course_name, _ = _name_and_region(item.course)
    return {
        "id": item.race_id,
        "course_id": item.course_id,
        "course_name": course_name,
        "date": _checked(batch, "date", item.date, parse.parse_date),
        "off_dt": off_dt,
        "off_time": off_time,
        "time": off_time,
        "race_name": item.race_name or "",
        "region": parse.region_code(item.region),
        "type": item.type,
        "surface": item.surface,
        "going": item.going,
        "pattern": item.pattern,
        "age_band": item.age_band,
        "rating_band": item.rating_band,
        "jumps": item.jumps,
    }


def _currency(money: parse.Money | None, region: str | None) -> str | None:
    """A bare prize is in the race country's currency: pounds in GB, euro in Ireland."""
    if money is None:
        return None
    return money.currency or {"gb": "GBP", "ire": "EUR"}.get(region or "")


# --------------------------------------------------------------------------- reference data


def course_rows(courses: Iterable[Course]) -> Batch:
    """``/v1/courses`` → ``ra_mst_courses`` (the canonical course names)."""
    batch = Batch()
    for course in courses:
        batch.upserts["ra_mst_courses"].append(
            {"id": course.id, "name": course.course or course.id, "region_code": parse.region_code(course.region_code),
             "region": course.region, **_position(course.course)}
        )
    return batch


def region_rows(regions: Iterable[Region]) -> Batch:
    """``/v1/courses/regions`` → ``ra_mst_regions``."""
    batch = Batch()
    for region in regions:
        code = parse.region_code(region.region_code)
        if code:
            batch.upserts["ra_mst_regions"].append({"code": code, "name": region.region})
    return batch


_BOOKMAKER_CODE = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1024)
def bookmaker_code(name: str) -> str:
    """One code per firm, whatever the spelling: ``"Spread Ex"`` and ``"Spreadex"`` → ``spreadex``."""
    return _BOOKMAKER_CODE.sub("", name.lower())


# --------------------------------------------------------------------------- racecards


def racecard_rows(card: Racecard) -> Batch:
    """One Pro racecard → race, runners (racecard columns), their horses, people, pedigree
    parents, bookmakers, odds and supplementary records."""
    batch = Batch()
    region = parse.region_code(card.region)
    _course_stub(batch, card.course_id, card.course, card.region)
    race = _race_common(batch, card, card.off_time)
    yards = _checked(batch, "distance", card.distance, parse.distance_to_yards)
    prize = _checked(batch, "prize", card.prize, parse.parse_money)
    declared = [runner for runner in card.runners if (runner.number or "").upper() != "NR"]
    declared_size = _checked(batch, "field_size", card.field_size, parse.to_int)
    race.update(
        {
            "distance": card.distance,
            "distance_round": card.distance_round,
            "distance_f": _checked(batch, "distance_f", card.distance_f, parse.to_furlongs),
            "distance_y": yards,
            "distance_m": round(parse.yards_to_metres(yards)) if yards is not None else None,
            "race_class": card.race_class,
            "sex_restriction": card.sex_restriction,
            "prize": _float(prize.amount) if prize else None,
            "prize_raw": card.prize,
            "prize_currency": _currency(prize, region),
            "field_size": declared_size or len(declared),
            "declared_field_size": declared_size,
            "going_detailed": card.going_detailed,
            "rail_movements": card.rail_movements,
            "stalls": card.stalls,
            "weather": card.weather,
            "is_big_race": card.big_race,
            "is_abandoned": card.is_abandoned,
            "race_status": card.race_status,
            "tip": card.tip,
            "verdict": card.verdict,
            "betting_forecast": card.betting_forecast,
        }
    )
    batch.upserts["ra_mst_races"].append(race)
    bookmakers: dict[str, str] = {}
    for runner in card.runners:
        _racecard_runner(batch, card.race_id, runner, bookmakers)
    batch.stubs["ra_mst_bookmakers"].extend(
        {"code": code, "name": name, "type": "exchange" if "exchange" in code else "bookmaker", "is_active": True}
        for code, name in bookmakers.items()
    )
    return batch


def _runner_identity(batch: Batch, race_id: str, runner: RacecardRunner | ResultRunner, name: str | None) -> Row:
    """Who ran, for whom, and under which number: the runner columns both endpoints send alike."""
    return {
        "race_id": race_id,
        "horse_id": runner.horse_id,
        "horse_name": name,
        "jockey_name": runner.jockey,
        "trainer_name": runner.trainer,
        "owner_name": runner.owner,
        "number": runner.number,
        "draw": _checked(batch, "draw", runner.draw, parse.to_int) or None,  # "0": no stalls (jump races)
        "jockey_id": runner.jockey_id,
        "trainer_id": runner.trainer_id,
        "owner_id": runner.owner_id,
        "sire_id": runner.sire_id,
        "dam_id": runner.dam_id,
        "damsire_id": runner.damsire_id,
    }


def _racecard_runner(batch: Batch, race_id: str, runner: RacecardRunner, bookmakers: dict[str, str]) -> None:
    name, region = _name_and_region(runner.horse, runner.region)
    code = parse.sex_code(runner.sex_code) or parse.sex_code(runner.sex)
    dob = _checked(batch, "dob", runner.dob, parse.parse_date)
    batch.upserts["ra_mst_horses"].append(
        _without_none_keys(
            {"id": runner.horse_id, "name": name or runner.horse_id, "sex": runner.sex, "sex_code": code,
             "colour": runner.colour, "dob": dob, "breeder": runner.breeder, "region": region,
             "sire_id": runner.sire_id, "dam_id": runner.dam_id, "damsire_id": runner.damsire_id}
        )
    )
    _people(batch, runner)
    if runner.trainer_id and runner.trainer_location:
        batch.upserts["ra_mst_trainers"].append(
            {"id": runner.trainer_id, "name": runner.trainer, "location": runner.trainer_location}
        )
    _pedigree_parents(
        batch, runner, {"sire": runner.sire_region, "dam": runner.dam_region, "damsire": runner.damsire_region}
    )
    non_runner = (runner.number or "").upper() == "NR"
    batch.upserts["ra_mst_runners"].append(
        {
            **_runner_identity(batch, race_id, runner, name),
            "draw_raw": runner.draw,
            "weight_lbs": _checked(batch, "lbs", runner.lbs, parse.to_int),
            "age": _checked(batch, "age", runner.age, parse.parse_age),
            "sex": runner.sex,
            "sex_code": code,
            "colour": runner.colour,
            "dob": dob,
            "headgear": runner.headgear,
            "headgear_run": runner.headgear_run,
            "wind_surgery": runner.wind_surgery,
            "wind_surgery_run": runner.wind_surgery_run,
            "form": runner.form,
            "last_run": runner.last_run,
            "ofr": _checked(batch, "ofr", runner.ofr, parse.to_int),
            "rpr": _checked(batch, "rpr", runner.rpr, parse.to_int),
            "ts": _checked(batch, "ts", runner.ts, parse.to_int),
            "comment": runner.comment,
            "spotlight": runner.spotlight,
            "trainer_rtf": runner.trainer_rtf,
            "trainer_location": runner.trainer_location,
            "past_results_flags": runner.past_results_flags,
            "is_non_runner": non_runner,
            "is_scratched": non_runner,
            "silk_url": runner.silk_url,
            "jockey_silk_url": runner.silk_url,
        }
    )
    _odds(batch, race_id, runner, bookmakers)
    _supplementary(batch, race_id, runner)


def _odds(batch: Batch, race_id: str, runner: RacecardRunner, bookmakers: dict[str, str]) -> None:
    """A runner's prices, and into ``bookmakers`` (code → name) the firms quoting them: one stub
    per firm and race instead of one per price, the last spelling seen winning as it would
    when the writer merges duplicate stubs."""
    for price in runner.odds:
        if not price.bookmaker:
            continue
        code = bookmaker_code(price.bookmaker)
        bookmakers[code] = price.bookmaker
        batch.odds.append((
            race_id,
            runner.horse_id,
            code,
            price.fractional,
            _checked(batch, "odds.decimal", price.decimal, parse.decimal_odds),
            _checked(batch, "odds.ew_places", price.ew_places, parse.to_int),
            _checked(batch, "odds.ew_denom", price.ew_denom, parse.to_int),
            _checked(batch, "odds.updated", price.updated, parse.parse_datetime),
        ))


def _supplementary(batch: Batch, race_id: str, runner: RacecardRunner) -> None:
    """The arrays of a Pro runner, one row each, numbered so a re-fetch replaces them exactly."""
    key = {"race_id": race_id, "horse_id": runner.horse_id}
    records: list[Row] = []
    for kind, entries, id_key, name_key in (
        ("trainer", runner.prev_trainers, "trainer_id", "trainer"),
        ("owner", runner.prev_owners, "owner_id", "owner"),
    ):
        for entry in entries:
            records.append(
                {"record_type": f"prev_{kind}", "entity_type": kind, "entity_id": getattr(entry, id_key),
                 "entity_name": getattr(entry, name_key),
                 "change_date": _checked(batch, "change_date", entry.change_date, parse.parse_date)}
            )
    for medical in runner.medical:
        records.append({"record_type": "medical", "medical_type": medical.type,
                        "medical_date": _checked(batch, "medical.date", medical.date, parse.parse_date)})
    for quote in runner.quotes:
        records.append({"record_type": "quote", "quote_text": quote.quote, "quote_race_id": quote.race_id,
                        "quote_date": _checked(batch, "quote.date", quote.date, parse.parse_date)})
    for tour in runner.stable_tour:
        records.append({"record_type": "stable_tour", "stable_tour_text": tour.quote})
    if runner.trainer_14_days is not None:
        stats = runner.trainer_14_days
        records.append({"record_type": "trainer_14_days", "entity_type": "trainer", "entity_id": runner.trainer_id,
                        "stats_runs": _checked(batch, "trainer_14_days.runs", stats.runs, parse.to_int),
                        "stats_wins": _checked(batch, "trainer_14_days.wins", stats.wins, parse.to_int),
                        "stats_win_percent": _checked(batch, "trainer_14_days.percent", stats.percent, parse.to_float)})
    seq_by_type: Counter[str] = Counter()
    for record in records:
        seq_by_type[record["record_type"]] += 1
        batch.supplementary.append({**key, **record, "seq": seq_by_type[record["record_type"]]})


# --------------------------------------------------------------------------- results


def result_rows(result: Result) -> Batch:
    """One resulted race → the race's result columns, runners' result columns, one
    ``ra_mst_race_results`` row per starter, and the horses, people and pedigree parents."""
    batch = Batch()
    region = parse.region_code(result.region)
    _course_stub(batch, result.course_id, result.course, result.region)
    race = _race_common(batch, result, result.off)
    starters = len(result.runners)
    loaded = [runner for runner in result.runners if _plausible(batch, result, runner, starters)]
    winner = next((runner for runner in loaded if _place(runner) == 1), None)
    race.update(
        {
            "distance": result.dist,
            "distance_round": result.dist,
            "distance_f": _checked(batch, "dist_f", result.dist_f, parse.to_furlongs),
            "distance_y": _checked(batch, "dist_y", result.dist_y, parse.to_int),
            "distance_m": _checked(batch, "dist_m", result.dist_m, parse.to_int),
            "race_class": result.class_,
            "sex_restriction": result.sex_rest,
            "field_size": starters,
            "has_result": True,
            "winning_time": winner.time if winner else None,
            "winning_time_seconds": parse.race_time_seconds(winner.time) if winner else None,
            "winning_time_detail": result.winning_time_detail,
            "comments": result.comments,
            "non_runners": result.non_runners,
            "tote_win": result.tote_win,
            "tote_pl": result.tote_pl,
            "tote_ex": result.tote_ex,
            "tote_csf": result.tote_csf,
            "tote_tricast": result.tote_tricast,
            "tote_trifecta": result.tote_trifecta,
        }
    )
    _upsert(batch, "ra_mst_races", race, RESULTS)
    for runner in loaded:
        _result_runner(batch, result, runner, region)
    return batch


def _place(runner: ResultRunner) -> int | None:
    position = parse.parse_position(runner.position)
    return position.place if position else None


def _plausible(batch: Batch, result: Result, runner: ResultRunner, starters: int) -> bool:
    """Quarantine a runner whose values cannot be true (a place beyond the number of starters)."""
    place = _place(runner)
    if place is not None and place > starters:
        batch.quarantined.append(
            Quarantined(
                record_key=f"{result.race_id}/{runner.horse_id}",
                reason=f"position {place} is beyond the {starters} starters",
                raw=json.dumps(runner.model_dump(by_alias=True, mode="json"), sort_keys=True),
            )
        )
        return False
    return True


def _result_runner(batch: Batch, result: Result, runner: ResultRunner, region: str | None) -> None:
    name, horse_region = _name_and_region(runner.horse)
    code = parse.sex_code(runner.sex)
    _upsert(batch, "ra_mst_horses", _without_none_keys(
        {"id": runner.horse_id, "name": name or runner.horse_id, "sex": parse.sex_word(code), "sex_code": code,
         "region": horse_region, "sire_id": runner.sire_id, "dam_id": runner.dam_id,
         "damsire_id": runner.damsire_id}
    ), RESULTS)
    _people(batch, runner)
    _pedigree_parents(batch, runner)
    position = _checked(batch, "position", runner.position, parse.parse_position)
    place = position.place if position else None
    prize = _checked(batch, "prize", runner.prize, parse.parse_money)
    sp_decimal = _checked(batch, "sp_dec", runner.sp_dec, parse.decimal_odds)
    btn = _checked(batch, "btn", runner.btn, parse.beaten_lengths)
    ovr_btn = _checked(batch, "ovr_btn", runner.ovr_btn, parse.beaten_lengths)
    seconds = _checked(batch, "time", runner.time, parse.race_time_seconds)
    shared = {
        **_runner_identity(batch, result.race_id, runner, name),
        "weight_lbs": _checked(batch, "weight_lbs", runner.weight_lbs, parse.to_int),
        "weight_st_lbs": runner.weight,
        "age": _checked(batch, "age", runner.age, parse.parse_age),
        "headgear": runner.headgear,
        "silk_url": runner.silk_url,
        **({"position": place} if runner.position is not None else {}),  # NULL replaces only for a sent code
        "jockey_claim_lbs": _checked(batch, "jockey_claim_lbs", runner.jockey_claim_lbs, parse.to_int),
        "prize_won": _float(prize.amount) if prize else None,
        "prize_currency": _currency(prize, region),
        "bsp": _checked(batch, "bsp", runner.bsp, parse.decimal_odds),
    }
    ratings = {
        "or": _checked(batch, "or", runner.or_, parse.to_int),
        "rpr": _checked(batch, "rpr", runner.rpr, parse.to_int),
        "tsr": _checked(batch, "tsr", runner.tsr, parse.to_int),
    }
    runner_row = {
        **shared,
        "draw_raw": runner.draw,
        "weight_stones_lbs": runner.weight,
        "sex": parse.sex_word(code),
        "sex_code": code,
        "ofr": ratings["or"],
        "result_rpr": ratings["rpr"],
        "result_tsr": ratings["tsr"],
        "jockey_silk_url": runner.silk_url,
        "position_raw": position.raw if position else runner.position,
        "distance_beaten": btn,
        "distance_beaten_raw": runner.btn,
        "overall_beaten_distance": ovr_btn,
        "starting_price": runner.sp,
        "starting_price_decimal": sp_decimal,
        "finishing_time": runner.time,
        "finishing_time_seconds": seconds,
        "race_comment": runner.comment,
        "is_non_runner": False,
        "is_scratched": False,
    }
    _upsert(batch, "ra_mst_runners", runner_row, RESULTS)
    batch.upserts["ra_mst_race_results"].append(
        {
            **shared,
            "race_date": parse.parse_date(result.date),
            "position_str": runner.position,
            "sex": runner.sex,
            "sp": runner.sp,
            "sp_decimal": sp_decimal,
            "btn": btn,
            "btn_raw": runner.btn,
            "margin": runner.btn,
            "ovr_btn": ovr_btn,
            "time_seconds": seconds,
            "time_display": runner.time,
            "official_rating": ratings["or"],
            "rpr": ratings["rpr"],
            "tsr": ratings["tsr"],
            "comment": runner.comment,
        }
    )


# --------------------------------------------------------------------------- horse enrichment


def horse_profile_rows(horse_id: str, profile: HorseStandard | None, source: str, enriched_at: datetime) -> Batch:
    """A horse's Pro (or, failing that, Standard) profile → ``ra_mst_horses`` and
    ``ra_horse_pedigree``. ``profile`` None with ``source="none"`` records that neither exists,
    so the horse is not asked for again."""
    batch = Batch()
    horse: Row = {"id": horse_id, "profile_source": source, "enriched_at": enriched_at}
    if profile is not None:
        name, region = _name_and_region(profile.name)
        pro = {key: getattr(profile, key, None) for key in ("breeder", "colour", "colour_code", "sex", "sex_code")}
        dob = _checked(batch, "dob", getattr(profile, "dob", None), parse.parse_date)
        horse.update(
            _without_none_keys(
                {"name": name, "region": region, "sire_id": profile.sire_id, "dam_id": profile.dam_id,
                 "damsire_id": profile.damsire_id, "dob": dob, **pro,
                 "sex_code": parse.sex_code(pro["sex_code"]) or parse.sex_code(pro["sex"])}
            )
        )
        _pedigree_parents(batch, profile)
        pedigree = {"horse_id": horse_id, "region": region}
        for kind in ("sire", "dam", "damsire"):
            pedigree[f"{kind}_id"] = getattr(profile, f"{kind}_id")
            pedigree[kind] = _name_and_region(getattr(profile, kind))[0]
        pedigree["breeder"] = pro["breeder"]
        batch.upserts["ra_horse_pedigree"].append(_without_none_keys(pedigree))
    batch.updates["ra_mst_horses"].append(horse)
    return batch
