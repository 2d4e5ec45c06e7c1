"""Every table, in one place, with where each column comes from.

The ``ra_*`` tables are the compatibility contract that downstream apps read (their names and
columns follow the previous system); types are stricter where the meaning is clear, and a few
columns are added where good data needs them (the raw text beside a parsed racing string, the
seconds beside a race time, the currency beside a prize). The ``dh_*`` tables are the pipeline's
own bookkeeping: work ledger, run log, quarantine, the locks and the alerts' state. (Raw
responses are archived to compressed files by the client, not to the database: see
``racing_api.archive``.)

Each column carries ``info`` with its ``source`` (api / derived / calculated / system), the API
endpoints that own it (``owners``: a tuple of :class:`~darkhorses.racing_api.endpoints.Endpoint`,
the client's own route objects), the ``api_field`` it is read from, and which of our modules
``populated_by`` (documentation). The column inventory, ``status`` fill rates, the fidelity check
(``ops.fidelity``) and the docs are generated from this metadata, and the code that decides who
writes what reads the typed keys (``owners``, ``fallback``, ``clearable``, ``stamp``), never the
documentation strings. A column fed by an endpoint keeps its stored value when a later payload
sends nothing for it (``db.upsert``), unless it is ``clearable``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.types import TypeEngine

from darkhorses.db.types import JSONB, UTCDateTime, num
from darkhorses.racing_api.endpoints import COURSES, HORSE_PRO, HORSE_STANDARD, REGIONS, RESULTS, Endpoint
from darkhorses.racing_api.endpoints import RACECARDS_PRO as RACECARDS

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_WRITER: dict[Endpoint, str] = {
    RACECARDS: "ingest.racecards",
    RESULTS: "ingest.results",
    COURSES: "ingest.reference",
    REGIONS: "ingest.reference",
    HORSE_PRO: "ingest.horses",
    HORSE_STANDARD: "ingest.horses",
}

Endpoints = Endpoint | Sequence[Endpoint] | None
SURROGATE_ID = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit surrogate key; on SQLite an INTEGER so it aliases the rowid and autoincrements."""


def _column(
    name: str,
    type_: TypeEngine | type[TypeEngine],
    source: str,
    endpoints: Endpoints,
    field: str | None,
    by: str | None,
    *args: object,
    expected_fill: float | None = None,
    clearable: bool = False,
    fallback: Endpoint | None = None,
    stamp: bool = False,
    empty_because: str | None = None,
    **kwargs: object,
) -> Column:
    owners = (endpoints,) if isinstance(endpoints, Endpoint) else tuple(endpoints or ())
    writer = by or ", ".join(dict.fromkeys(_WRITER[e] for e in owners)) or None
    info: dict[str, object] = {
        "source": source,
        "owners": owners,
        "api_field": field,
        "populated_by": writer,
    }
    if empty_because is not None:
        # A column that may rightly stay empty in a UK and Irish database says why; every other
        # column of a big enough table must hold a value (``quality.fill_below_expected``).
        info["expected_fill"], info["empty_because"] = 0.0, empty_because
    elif expected_fill is not None:
        # The share of rows that must have a value; ``status`` and ``health`` flag a column whose
        # fill falls below it (a transform that silently stopped filling it).
        info["expected_fill"] = expected_fill
    if clearable:
        # A NULL the endpoint sends here is a value, not a missing one, so it replaces what is
        # stored (see db.upsert): the place of a runner that did not finish.
        info["clearable"] = True
    if fallback is not None:
        # This endpoint only fills the column where nothing is stored; the others own it (a
        # result's rounded distance stands in for a race with no racecard, never over one).
        info["fallback"] = fallback
    if stamp:
        # Set to the time of writing by every upsert that inserts or changes the row.
        info["stamp"] = True
    return Column(name, type_, *args, info=info, **kwargs)  # type: ignore[arg-type]


def owners(column: Column) -> tuple[Endpoint, ...]:
    """The API endpoints that write ``column`` (empty for a column no payload feeds)."""
    return column.info.get("owners", ())  # type: ignore[no-any-return]


def endpoint_paths(column: Column) -> str | None:
    """The owning endpoints' route templates, for the inventory and the docs."""
    return " | ".join(endpoint.template for endpoint in owners(column)) or None


def written_by_populate(column: Column) -> bool:
    """Whether ``populate`` writes the column (a statistic or its stamp), rather than a fetch."""
    return str(column.info.get("populated_by") or "").startswith("stats.")


def api(name: str, type_: object, endpoints: Endpoints, field: str | None, *args: object, **kw: object) -> Column:
    """A value read straight from an API field (after cleaning missing markers)."""
    return _column(name, type_, "api", endpoints, field, kw.pop("by", None), *args, **kw)  # type: ignore[arg-type]


def derived(
    name: str, type_: object, endpoints: Endpoints = None, field: str | None = None, *args: object, **kw: object
) -> Column:
    """A value parsed, converted or inferred from API data (or a constant list)."""
    return _column(name, type_, "derived", endpoints, field, kw.pop("by", None), *args, **kw)  # type: ignore[arg-type]


def calculated(name: str, type_: object, by: str, *args: object, **kw: object) -> Column:
    """A statistic aggregated from our own tables by ``populate``."""
    return _column(name, type_, "calculated", None, None, by, *args, **kw)  # type: ignore[arg-type]


def system(name: str, type_: object, *args: object, by: str = "pipeline", **kw: object) -> Column:
    """Bookkeeping: identities, timestamps, run metadata."""
    return _column(name, type_, "system", None, None, by, *args, **kw)  # type: ignore[arg-type]


def surrogate_id() -> Column:
    return system("id", SURROGATE_ID, primary_key=True, autoincrement=True, by="database")


def timestamps() -> list[Column]:
    """``created_at`` set once by the database; ``updated_at`` refreshed by every upsert."""
    return [
        system("created_at", UTCDateTime, nullable=False, server_default=func.now(), by="database"),
        system("updated_at", UTCDateTime, nullable=False, server_default=func.now(), by="db.upsert", stamp=True),
    ]


def _both(racecard_field: str, results_field: str) -> str:
    return f"racecards[].runners[].{racecard_field} | results[].runners[].{results_field}"


# --------------------------------------------------------------------------- reference tables

_COORDINATES_BY = "ingest.coordinates: the shipped list of 91 GB/IRE courses, by normalised course name"

ra_mst_courses = Table(
    "ra_mst_courses",
    metadata,
    api("id", Text, COURSES, "courses[].id", primary_key=True),
    api("name", Text, COURSES, "courses[].course", nullable=False),
    api("region_code", Text, COURSES, "courses[].region_code"),
    api("region", Text, COURSES, "courses[].region"),
    derived("latitude", num(10, 8), by=_COORDINATES_BY),
    derived("longitude", num(11, 8), by=_COORDINATES_BY),
    *timestamps(),
)

ra_mst_regions = Table(
    "ra_mst_regions",
    metadata,
    api("code", Text, REGIONS, "[].region_code", primary_key=True),
    api("name", Text, REGIONS, "[].region"),
    *timestamps(),
)

ra_mst_bookmakers = Table(
    "ra_mst_bookmakers",
    metadata,
    surrogate_id(),
    derived("name", Text, RACECARDS, "racecards[].runners[].odds[].bookmaker", nullable=False),
    derived("code", Text, RACECARDS, "normalised racecards[].runners[].odds[].bookmaker", nullable=False, unique=True),
    derived("is_active", Boolean, RACECARDS, "seen in recent racecard odds"),
    derived("type", Text, RACECARDS, "exchange | bookmaker"),
    *timestamps(),
)

_PEOPLE_BY = "stats.people"


def _market_columns(by: str) -> list[Column]:
    """SP-based A/E (a ratio, 1.000 = par), level-stakes P/L and the share of runs with an SP.

    Not in the previous system's tables; STATISTICS.md §2.4/§2.6 adds them to every record.
    """
    return [
        calculated("ae_index", num(8, 3), by),
        calculated("profit_loss_1u", num(12, 2), by),
        calculated("sp_coverage", num(5, 3), by),
    ]


def _people_table(name: str, prefix: str, starts: str, start: str, recent: str, *extra: Column) -> Table:
    """Jockeys, trainers and owners share one shape; only the word for a start differs.

    Jockeys have ``rides``; trainers and owners have ``runners`` (and ``runs`` in the form
    columns), exactly as the contract names them.
    """
    field = f"{prefix}_id"
    return Table(
        name,
        metadata,
        api("id", Text, (RACECARDS, RESULTS), _both(field, field), primary_key=True),
        api("name", Text, (RACECARDS, RESULTS), _both(prefix, prefix), nullable=False),
        *extra,
        *timestamps(),
        calculated(f"total_{starts}", Integer, _PEOPLE_BY),
        calculated("total_wins", Integer, _PEOPLE_BY),
        calculated("total_places", Integer, _PEOPLE_BY),
        calculated("total_seconds", Integer, _PEOPLE_BY),
        calculated("total_thirds", Integer, _PEOPLE_BY),
        calculated("win_rate", num(5, 2), _PEOPLE_BY),
        calculated("place_rate", num(5, 2), _PEOPLE_BY),
        *_market_columns(_PEOPLE_BY),
        calculated("ew_places", Integer, _PEOPLE_BY),
        calculated("ew_place_rate", num(5, 2), _PEOPLE_BY),
        system("stats_updated_at", UTCDateTime, by=_PEOPLE_BY),
        calculated(f"last_{start}_date", Date, _PEOPLE_BY),
        calculated("last_win_date", Date, _PEOPLE_BY),
        calculated(f"days_since_last_{start}", Integer, _PEOPLE_BY),
        calculated("days_since_last_win", Integer, _PEOPLE_BY),
        *(
            column
            for days in (14, 30)
            for column in (
                calculated(f"recent_{days}d_{recent}", Integer, _PEOPLE_BY),
                calculated(f"recent_{days}d_wins", Integer, _PEOPLE_BY),
                calculated(f"recent_{days}d_win_rate", num(5, 2), _PEOPLE_BY),
            )
        ),
    )


ra_mst_jockeys = _people_table("ra_mst_jockeys", "jockey", "rides", "ride", "rides")
ra_mst_trainers = _people_table(
    "ra_mst_trainers",
    "trainer",
    "runners",
    "runner",
    "runs",
    api("location", Text, RACECARDS, "racecards[].runners[].trainer_location"),
)
ra_mst_owners = _people_table(
    "ra_mst_owners",
    "owner",
    "runners",
    "runner",
    "runs",
    calculated("total_horses", Integer, _PEOPLE_BY),
)

# --------------------------------------------------------------------------- pedigree masters

_PEDIGREE_BY = "stats.pedigree"


def _breakdown(kind: str) -> list[Column]:
    """The top-3 ``class_N_*`` or ``distance_N_*`` slots of a pedigree master."""
    return [
        column
        for rank in (1, 2, 3)
        for column in (
            calculated(f"{kind}_{rank}_name", Text, _PEDIGREE_BY),
            calculated(f"{kind}_{rank}_runners", Integer, _PEDIGREE_BY),
            calculated(f"{kind}_{rank}_wins", Integer, _PEDIGREE_BY),
            calculated(f"{kind}_{rank}_win_percent", num(), _PEDIGREE_BY),
            calculated(f"{kind}_{rank}_ae", num(), _PEDIGREE_BY),
        )
    ]


def _pedigree_table(name: str, kind: str) -> Table:
    """Sires, dams and damsires: identity from runners, statistics over their progeny's runs."""
    return Table(
        name,
        metadata,
        api("id", Text, (RACECARDS, RESULTS, HORSE_PRO), _both(f"{kind}_id", f"{kind}_id"), primary_key=True),
        api("name", Text, (RACECARDS, RESULTS, HORSE_PRO), _both(kind, kind), nullable=False),
        api("region", Text, RACECARDS, f"racecards[].runners[].{kind}_region"),
        derived("horse_id", Text, by=f"ingest.transform: hrs_ + the number of {kind}_id (the API numbers both alike)"),
        *timestamps(),
        calculated("total_runners", Integer, _PEDIGREE_BY),
        calculated("total_wins", Integer, _PEDIGREE_BY),
        calculated("total_places_2nd", Integer, _PEDIGREE_BY),
        calculated("total_places_3rd", Integer, _PEDIGREE_BY),
        calculated("progeny_runners", Integer, _PEDIGREE_BY),
        calculated("progeny_winners", Integer, _PEDIGREE_BY),
        calculated("overall_win_percent", num(), _PEDIGREE_BY),
        calculated("overall_ae_index", num(), _PEDIGREE_BY),
        calculated("profit_loss_1u", num(12, 2), _PEDIGREE_BY),
        calculated("sp_coverage", num(5, 3), _PEDIGREE_BY),
        calculated("best_class", Text, _PEDIGREE_BY),
        calculated("best_class_ae", num(), _PEDIGREE_BY),
        calculated("best_distance", Text, _PEDIGREE_BY),
        calculated("best_distance_ae", num(), _PEDIGREE_BY),
        system("analysis_last_updated", UTCDateTime, by=_PEDIGREE_BY),
        system("data_as_of", Date, by=_PEDIGREE_BY),
        calculated("data_quality_score", num(), _PEDIGREE_BY),
        *_breakdown("class"),
        *_breakdown("distance"),
    )


ra_mst_sires = _pedigree_table("ra_mst_sires", "sire")
ra_mst_dams = _pedigree_table("ra_mst_dams", "dam")
ra_mst_damsires = _pedigree_table("ra_mst_damsires", "damsire")

# --------------------------------------------------------------------------- horses

ra_mst_horses = Table(
    "ra_mst_horses",
    metadata,
    api("id", Text, (RACECARDS, RESULTS, HORSE_PRO), _both("horse_id", "horse_id") + " | (pro) id", primary_key=True),
    api("name", Text, (RACECARDS, RESULTS, HORSE_PRO), _both("horse", "horse") + " | (pro) name", nullable=False),
    api("sire_id", Text, (HORSE_PRO, RACECARDS, RESULTS), "(pro) sire_id | " + _both("sire_id", "sire_id"),
        ForeignKey("ra_mst_sires.id")),
    api("dam_id", Text, (HORSE_PRO, RACECARDS, RESULTS), "(pro) dam_id | " + _both("dam_id", "dam_id"),
        ForeignKey("ra_mst_dams.id")),
    api("damsire_id", Text, (HORSE_PRO, RACECARDS, RESULTS), "(pro) damsire_id | " + _both("damsire_id", "damsire_id"),
        ForeignKey("ra_mst_damsires.id")),
    api("dob", Date, (HORSE_PRO, RACECARDS), "(pro) dob | racecards[].runners[].dob"),
    derived("age", Integer, by="ingest.horses: racing age from dob (foal year), refreshed at the end of every fetch"),
    api("sex", Text, (RACECARDS, RESULTS, HORSE_PRO),
        _both("sex", "sex") + " | (pro) sex (a word; the result's code spelt out)", fallback=RESULTS),
    api("sex_code", Text, (HORSE_PRO, RACECARDS, RESULTS),
        "(pro) sex_code | racecards[].runners[].sex_code | results[].runners[].sex"),
    api("colour", Text, (HORSE_PRO, RACECARDS), "(pro) colour | racecards[].runners[].colour"),
    api("colour_code", Text, HORSE_PRO, "(pro) colour_code"),
    api("breeder", Text, (HORSE_PRO, RACECARDS), "(pro) breeder | racecards[].runners[].breeder"),
    api("region", Text, RACECARDS, "racecards[].runners[].region"),
    derived("profile_source", Text, (HORSE_PRO, HORSE_STANDARD), "pro | standard | none (404 on both)"),
    system("enriched_at", UTCDateTime, by="ingest.horses"),
    *timestamps(),
    Index(None, "updated_at"),
)

ra_horse_pedigree = Table(
    "ra_horse_pedigree",
    metadata,
    api("horse_id", Text, HORSE_PRO, "(pro) id", ForeignKey("ra_mst_horses.id", ondelete="CASCADE"), primary_key=True),
    api("sire_id", Text, HORSE_PRO, "(pro) sire_id"),
    api("sire", Text, HORSE_PRO, "(pro) sire"),
    api("dam_id", Text, HORSE_PRO, "(pro) dam_id"),
    api("dam", Text, HORSE_PRO, "(pro) dam"),
    api("damsire_id", Text, HORSE_PRO, "(pro) damsire_id"),
    api("damsire", Text, HORSE_PRO, "(pro) damsire"),
    api("breeder", Text, HORSE_PRO, "(pro) breeder"),
    derived("region", Text, HORSE_PRO, "breeding-country suffix of (pro) name"),
    *timestamps(),
)

# --------------------------------------------------------------------------- races

_NO_FIELD = "no API field in UK/IRE bodies"
_NORTH_AMERICA = "the API sends this only for North American races"
_ABROAD = "the API sends this only for North American and Australian races"

ra_mst_races = Table(
    "ra_mst_races",
    metadata,
    api("id", Text, (RACECARDS, RESULTS), "racecards[].race_id | results[].race_id", primary_key=True),
    api("course_id", Text, (RACECARDS, RESULTS), "racecards[].course_id | results[].course_id",
        ForeignKey("ra_mst_courses.id"), expected_fill=1.0),
    api("course_name", Text, (RACECARDS, RESULTS), "racecards[].course | results[].course"),
    api("date", Date, (RACECARDS, RESULTS), "racecards[].date | results[].date", nullable=False),
    derived("off_time", Time, (RACECARDS, RESULTS),
            "24-hour local time of racecards[].off_dt | 24-hour local time of results[].off_dt"),
    api("off_dt", UTCDateTime, (RACECARDS, RESULTS), "racecards[].off_dt | results[].off_dt", expected_fill=0.99),
    api("race_name", Text, (RACECARDS, RESULTS), "racecards[].race_name | results[].race_name", nullable=False),
    api("race_number", Integer, None, None, by=_NO_FIELD, empty_because=_ABROAD),
    api("distance", Text, (RACECARDS, RESULTS), "racecards[].distance | results[].dist", fallback=RESULTS),
    api("distance_round", Text, (RACECARDS, RESULTS), "racecards[].distance_round | results[].dist"),
    derived("distance_f", num(), (RACECARDS, RESULTS), "racecards[].distance_f | results[].dist_f"),
    derived("distance_y", Integer, (RESULTS, RACECARDS), "results[].dist_y | yards of racecards[].distance",
            expected_fill=0.99),
    derived("distance_m", Integer, (RESULTS, RACECARDS), "results[].dist_m | metres of racecards[].distance"),
    api("region", Text, (RACECARDS, RESULTS), "racecards[].region | results[].region"),
    api("type", Text, (RACECARDS, RESULTS), "racecards[].type | results[].type", expected_fill=0.99),
    api("surface", Text, (RACECARDS, RESULTS), "racecards[].surface | results[].surface"),
    api("going", Text, (RACECARDS, RESULTS), "racecards[].going | results[].going"),
    api("going_detailed", Text, RACECARDS, "racecards[].going_detailed"),
    api("pattern", Text, (RACECARDS, RESULTS), "racecards[].pattern | results[].pattern"),
    api("race_class", Text, (RACECARDS, RESULTS), "racecards[].race_class | results[].class"),
    api("age_band", Text, (RACECARDS, RESULTS), "racecards[].age_band | results[].age_band"),
    api("sex_restriction", Text, (RACECARDS, RESULTS), "racecards[].sex_restriction | results[].sex_rest"),
    api("rating_band", Text, (RACECARDS, RESULTS), "racecards[].rating_band | results[].rating_band"),
    derived("prize", num(12, 2), RACECARDS, "amount of racecards[].prize"),
    api("prize_raw", Text, RACECARDS, "racecards[].prize"),
    derived("prize_currency", Text, RACECARDS, "currency of racecards[].prize"),
    derived("field_size", Integer, (RACECARDS, RESULTS),
            "declared runners of racecards[] (its field_size) | starters in results[].runners"),
    derived("declared_field_size", Integer, RACECARDS, "racecards[].field_size (as declared; 0 before declarations)"),
    api("stalls", Text, RACECARDS, "racecards[].stalls"),
    api("rail_movements", Text, RACECARDS, "racecards[].rail_movements"),
    api("weather", Text, RACECARDS, "racecards[].weather"),
    api("jumps", Text, (RACECARDS, RESULTS), "racecards[].jumps | results[].jumps"),
    api("is_big_race", Boolean, RACECARDS, "racecards[].big_race"),
    api("is_abandoned", Boolean, RACECARDS, "racecards[].is_abandoned"),
    api("race_status", Text, RACECARDS, "racecards[].race_status"),
    derived("has_result", Boolean, RESULTS, "race present in results"),
    derived("winning_time", Text, RESULTS, 'results[].runners[position=="1"].time'),
    derived("winning_time_seconds", num(), RESULTS, 'seconds of results[].runners[position=="1"].time'),
    api("winning_time_detail", Text, RESULTS, "results[].winning_time_detail"),
    api("comments", Text, RESULTS, "results[].comments"),
    api("non_runners", Text, RESULTS, "results[].non_runners"),
    api("tote_win", Text, RESULTS, "results[].tote_win"),
    api("tote_pl", Text, RESULTS, "results[].tote_pl"),
    api("tote_ex", Text, RESULTS, "results[].tote_ex"),
    api("tote_csf", Text, RESULTS, "results[].tote_csf"),
    api("tote_tricast", Text, RESULTS, "results[].tote_tricast"),
    api("tote_trifecta", Text, RESULTS, "results[].tote_trifecta"),
    api("tip", Text, RACECARDS, "racecards[].tip"),
    api("verdict", Text, RACECARDS, "racecards[].verdict"),
    api("betting_forecast", Text, RACECARDS, "racecards[].betting_forecast"),
    api("meet_id", Text, None, None, by=_NO_FIELD, empty_because=_ABROAD),
    derived("time", Time, (RACECARDS, RESULTS), "same as off_time (kept for compatibility)"),
    system("result_updated_at", UTCDateTime, by="ingest.results"),
    *timestamps(),
    Index(None, "date"),
    Index(None, "course_id", "date"),
    Index(None, "updated_at"),
)

# --------------------------------------------------------------------------- runners

ra_mst_runners = Table(
    "ra_mst_runners",
    metadata,
    surrogate_id(),
    api("race_id", Text, (RACECARDS, RESULTS), "racecards[].race_id | results[].race_id",
        ForeignKey("ra_mst_races.id", ondelete="CASCADE"), nullable=False),
    api("horse_id", Text, (RACECARDS, RESULTS), _both("horse_id", "horse_id"),
        ForeignKey("ra_mst_horses.id"), nullable=False),
    api("horse_name", Text, (RACECARDS, RESULTS), _both("horse", "horse")),
    api("jockey_name", Text, (RACECARDS, RESULTS), _both("jockey", "jockey")),
    api("trainer_name", Text, (RACECARDS, RESULTS), _both("trainer", "trainer")),
    api("owner_name", Text, (RACECARDS, RESULTS), _both("owner", "owner")),
    api("number", Text, (RACECARDS, RESULTS), _both("number", "number")),
    derived("draw", Integer, (RACECARDS, RESULTS), _both("draw", "draw") + ' (stall; NULL for "0", no stalls)'),
    api("draw_raw", Text, (RACECARDS, RESULTS), _both("draw", "draw") + ' (as sent: racecards "0" for no stalls)'),
    api("jockey_id", Text, (RACECARDS, RESULTS), _both("jockey_id", "jockey_id"), ForeignKey("ra_mst_jockeys.id"),
        expected_fill=0.9),
    api("trainer_id", Text, (RACECARDS, RESULTS), _both("trainer_id", "trainer_id"), ForeignKey("ra_mst_trainers.id"),
        expected_fill=0.99),
    api("owner_id", Text, (RACECARDS, RESULTS), _both("owner_id", "owner_id"), ForeignKey("ra_mst_owners.id")),
    api("sire_id", Text, (RACECARDS, RESULTS), _both("sire_id", "sire_id"), ForeignKey("ra_mst_sires.id")),
    api("dam_id", Text, (RACECARDS, RESULTS), _both("dam_id", "dam_id"), ForeignKey("ra_mst_dams.id")),
    api("damsire_id", Text, (RACECARDS, RESULTS), _both("damsire_id", "damsire_id"), ForeignKey("ra_mst_damsires.id")),
    derived("weight_lbs", Integer, (RACECARDS, RESULTS), _both("lbs", "weight_lbs")),
    api("weight_st_lbs", Text, RESULTS, "results[].runners[].weight"),
    api("weight_stones_lbs", Text, RESULTS, "results[].runners[].weight"),
    derived("age", Integer, (RACECARDS, RESULTS), _both("age", "age")),
    api("sex", Text, (RACECARDS, RESULTS), _both("sex", "sex") + " (a word: 'mare'; the result's code spelt out)",
        fallback=RESULTS),
    derived("sex_code", Text, (RACECARDS, RESULTS), _both("sex_code", "sex")),
    api("colour", Text, RACECARDS, "racecards[].runners[].colour"),
    api("dob", Date, RACECARDS, "racecards[].runners[].dob"),
    api("headgear", Text, (RACECARDS, RESULTS), _both("headgear", "headgear")),
    api("headgear_run", Text, RACECARDS, "racecards[].runners[].headgear_run"),
    api("wind_surgery", Text, RACECARDS, "racecards[].runners[].wind_surgery"),
    api("wind_surgery_run", Text, RACECARDS, "racecards[].runners[].wind_surgery_run"),
    api("form", Text, RACECARDS, "racecards[].runners[].form"),
    api("last_run", Text, RACECARDS, "racecards[].runners[].last_run"),
    derived("ofr", Integer, (RACECARDS, RESULTS), _both("ofr", "or") + " (official rating the horse ran off)"),
    derived("rpr", Integer, RACECARDS, "racecards[].runners[].rpr (Racing Post Rating BEFORE the race)"),
    derived("ts", Integer, RACECARDS, "racecards[].runners[].ts (Topspeed BEFORE the race)"),
    derived("result_rpr", Integer, RESULTS, "results[].runners[].rpr (Racing Post Rating EARNED in the race)"),
    derived("result_tsr", Integer, RESULTS, "results[].runners[].tsr (Topspeed EARNED in the race)"),
    api("comment", Text, RACECARDS, "racecards[].runners[].comment (pre-race)"),
    api("spotlight", Text, RACECARDS, "racecards[].runners[].spotlight"),
    api("trainer_rtf", Text, RACECARDS, "racecards[].runners[].trainer_rtf"),
    api("trainer_location", Text, RACECARDS, "racecards[].runners[].trainer_location"),
    api("past_results_flags", JSONB, RACECARDS, "racecards[].runners[].past_results_flags"),
    api("claiming_price_min", Integer, None, None, by=_NO_FIELD, empty_because=_NORTH_AMERICA),
    api("claiming_price_max", Integer, None, None, by=_NO_FIELD, empty_because=_NORTH_AMERICA),
    api("medication", Text, None, None, by=_NO_FIELD, empty_because=_NORTH_AMERICA),
    api("equipment", Text, None, None, by=_NO_FIELD, empty_because=_NORTH_AMERICA),
    api("morning_line_odds", Text, None, None, by=_NO_FIELD, empty_because=_NORTH_AMERICA),
    derived("is_non_runner", Boolean, (RACECARDS, RESULTS), 'racecards number == "NR" | absent from results[].runners'),
    derived("is_scratched", Boolean, (RACECARDS, RESULTS), "same as is_non_runner (kept for compatibility)"),
    api("silk_url", Text, (RACECARDS, RESULTS), _both("silk_url", "silk_url")),
    api("jockey_silk_url", Text, (RACECARDS, RESULTS), _both("silk_url", "silk_url")),
    derived("position", Integer, RESULTS, "finishing place of results[].runners[].position (NULL if not a number)",
            clearable=True),
    api("position_raw", Text, RESULTS, "results[].runners[].position"),
    derived("distance_beaten", num(10, 2), RESULTS, "lengths of results[].runners[].btn"),
    api("distance_beaten_raw", Text, RESULTS, "results[].runners[].btn"),
    derived("overall_beaten_distance", num(10, 2), RESULTS, "lengths of results[].runners[].ovr_btn"),
    derived("prize_won", num(12, 2), RESULTS, "amount of results[].runners[].prize"),
    derived("prize_currency", Text, RESULTS, "currency of results[].runners[].prize (EUR for IRE)"),
    api("starting_price", Text, RESULTS, "results[].runners[].sp"),
    derived("starting_price_decimal", num(10, 2), RESULTS, "results[].runners[].sp_dec"),
    derived("bsp", num(10, 2), RESULTS, "results[].runners[].bsp"),
    api("finishing_time", Text, RESULTS, "results[].runners[].time"),
    derived("finishing_time_seconds", num(10, 2), RESULTS, "seconds of results[].runners[].time"),
    api("race_comment", Text, RESULTS, "results[].runners[].comment (in-running)"),
    derived("jockey_claim_lbs", Integer, RESULTS, "results[].runners[].jockey_claim_lbs"),
    system("result_updated_at", UTCDateTime, by="ingest.results"),
    *timestamps(),
    UniqueConstraint("race_id", "horse_id"),
    *(Index(None, key) for key in ("horse_id", "jockey_id", "trainer_id", "owner_id", "sire_id", "dam_id", "damsire_id",
                                   "updated_at")),
)

ra_mst_race_results = Table(
    "ra_mst_race_results",
    metadata,
    surrogate_id(),
    api("race_id", Text, RESULTS, "results[].race_id", ForeignKey("ra_mst_races.id", ondelete="CASCADE"), nullable=False),
    api("race_date", Date, RESULTS, "results[].date"),
    api("horse_id", Text, RESULTS, "results[].runners[].horse_id", ForeignKey("ra_mst_horses.id"), nullable=False),
    api("horse_name", Text, RESULTS, "results[].runners[].horse"),
    api("jockey_name", Text, RESULTS, "results[].runners[].jockey"),
    api("trainer_name", Text, RESULTS, "results[].runners[].trainer"),
    api("owner_name", Text, RESULTS, "results[].runners[].owner"),
    derived("position", Integer, RESULTS, "finishing place of results[].runners[].position (NULL if not a number)",
            clearable=True),
    api("position_str", Text, RESULTS, "results[].runners[].position (raw, e.g. 'PU')", expected_fill=0.99),
    api("number", Text, RESULTS, "results[].runners[].number"),
    derived("draw", Integer, RESULTS, "results[].runners[].draw (stall; NULL when none)"),
    api("jockey_id", Text, RESULTS, "results[].runners[].jockey_id"),
    derived("jockey_claim_lbs", Integer, RESULTS, "results[].runners[].jockey_claim_lbs"),
    api("trainer_id", Text, RESULTS, "results[].runners[].trainer_id"),
    api("owner_id", Text, RESULTS, "results[].runners[].owner_id"),
    api("sire_id", Text, RESULTS, "results[].runners[].sire_id"),
    api("dam_id", Text, RESULTS, "results[].runners[].dam_id"),
    api("damsire_id", Text, RESULTS, "results[].runners[].damsire_id"),
    derived("age", Integer, RESULTS, "results[].runners[].age"),
    api("sex", Text, RESULTS, "results[].runners[].sex"),
    derived("weight_lbs", Integer, RESULTS, "results[].runners[].weight_lbs"),
    api("weight_st_lbs", Text, RESULTS, "results[].runners[].weight"),
    api("headgear", Text, RESULTS, "results[].runners[].headgear"),
    api("sp", Text, RESULTS, "results[].runners[].sp"),
    derived("sp_decimal", num(10, 2), RESULTS, "results[].runners[].sp_dec"),
    derived("bsp", num(10, 2), RESULTS, "results[].runners[].bsp"),
    derived("btn", num(10, 2), RESULTS, "lengths of results[].runners[].btn"),
    api("btn_raw", Text, RESULTS, "results[].runners[].btn"),
    derived("ovr_btn", num(10, 2), RESULTS, "lengths of results[].runners[].ovr_btn"),
    derived("time_seconds", num(10, 2), RESULTS, "seconds of results[].runners[].time"),
    api("time_display", Text, RESULTS, "results[].runners[].time"),
    derived("official_rating", Integer, RESULTS, "results[].runners[].or"),
    derived("rpr", Integer, RESULTS, "results[].runners[].rpr (Racing Post Rating EARNED in the race)"),
    derived("tsr", Integer, RESULTS, "results[].runners[].tsr (Topspeed EARNED in the race)"),
    derived("prize_won", num(12, 2), RESULTS, "amount of results[].runners[].prize"),
    derived("prize_currency", Text, RESULTS, "currency of results[].runners[].prize"),
    api("comment", Text, RESULTS, "results[].runners[].comment"),
    api("silk_url", Text, RESULTS, "results[].runners[].silk_url"),
    derived("margin", Text, RESULTS, "same as btn_raw (no separate API field)"),
    *timestamps(),
    UniqueConstraint("race_id", "horse_id"),
    Index(None, "race_date"),
    Index(None, "horse_id"),
)

ra_runner_odds = Table(
    "ra_runner_odds",
    metadata,
    surrogate_id(),
    api("race_id", Text, RACECARDS, "racecards[].race_id", nullable=False),
    api("horse_id", Text, RACECARDS, "racecards[].runners[].horse_id", nullable=False),
    derived("bookmaker_id", BigInteger, RACECARDS, "id of racecards[].runners[].odds[].bookmaker",
            ForeignKey("ra_mst_bookmakers.id"), nullable=False),
    api("fractional_odds", Text, RACECARDS, "racecards[].runners[].odds[].fractional"),
    derived("decimal_odds", num(10, 2), RACECARDS, "racecards[].runners[].odds[].decimal"),
    derived("ew_places", Integer, RACECARDS, "racecards[].runners[].odds[].ew_places"),
    derived("ew_denom", Integer, RACECARDS, "racecards[].runners[].odds[].ew_denom"),
    derived("updated_at", UTCDateTime, RACECARDS, "racecards[].runners[].odds[].updated (Europe/London)"),
    system("captured_at", UTCDateTime, nullable=False, server_default=func.now(), by="db.upsert"),
    ForeignKeyConstraint(
        ["race_id", "horse_id"], ["ra_mst_runners.race_id", "ra_mst_runners.horse_id"], ondelete="CASCADE"
    ),
    UniqueConstraint("race_id", "horse_id", "bookmaker_id"),
)

ra_runner_supplementary = Table(
    "ra_runner_supplementary",
    metadata,
    surrogate_id(),
    derived("runner_id", BigInteger, RACECARDS, "ra_mst_runners.id of the runner",
            ForeignKey("ra_mst_runners.id", ondelete="CASCADE"), nullable=False),
    derived("record_type", Text, RACECARDS, "prev_trainer | prev_owner | medical | quote | stable_tour | trainer_14_days",
            nullable=False),
    derived("seq", Integer, RACECARDS, "position in the source array", nullable=False),
    derived("entity_type", Text, RACECARDS, "trainer | owner"),
    api("entity_id", Text, RACECARDS, "runners[].prev_trainers[].trainer_id | prev_owners[].owner_id"),
    api("entity_name", Text, RACECARDS, "runners[].prev_trainers[].trainer | prev_owners[].owner"),
    api("change_date", Date, RACECARDS, "runners[].prev_trainers[].change_date | prev_owners[].change_date"),
    api("medical_type", Text, RACECARDS, "runners[].medical[].type"),
    api("medical_date", Date, RACECARDS, "runners[].medical[].date"),
    api("quote_text", Text, RACECARDS, "runners[].quotes[].quote"),
    api("quote_race_id", Text, RACECARDS, "runners[].quotes[].race_id"),
    api("quote_date", Date, RACECARDS, "runners[].quotes[].date"),
    api("stable_tour_text", Text, RACECARDS, "runners[].stable_tour[].quote"),
    derived("stats_runs", Integer, RACECARDS, "runners[].trainer_14_days.runs"),
    derived("stats_wins", Integer, RACECARDS, "runners[].trainer_14_days.wins"),
    derived("stats_win_percent", num(), RACECARDS, "runners[].trainer_14_days.percent"),
    *timestamps(),
    UniqueConstraint("runner_id", "record_type", "seq"),
)

# --------------------------------------------------------------------------- calculated tables

_LINEAGE_BY = "stats.lineage"
_ANCESTOR_BY = "stats.ancestors"
_SUPPLEMENTARY_BY = "stats.supplementary"

ra_lineage = Table(
    "ra_lineage",
    metadata,
    calculated("lineage_id", Text, _LINEAGE_BY, primary_key=True),
    calculated("runner_id", BigInteger, _LINEAGE_BY, nullable=False),
    calculated("horse_id", Text, _LINEAGE_BY, nullable=False),
    calculated("generation", Integer, _LINEAGE_BY, nullable=False),
    calculated("lineage_path", Text, _LINEAGE_BY, nullable=False),
    calculated("relation_type", Text, _LINEAGE_BY, nullable=False),
    derived("ancestor_horse_id", Text, (RACECARDS, RESULTS), "runners[].sire_id / dam_id / damsire_id", by=_LINEAGE_BY),
    derived("ancestor_name", Text, (RACECARDS, RESULTS), "runners[].sire / dam / damsire", by=_LINEAGE_BY),
    derived("ancestor_region", Text, RACECARDS, "racecards[].runners[].sire_region / dam_region / damsire_region",
            by=_LINEAGE_BY),
    derived("ancestor_dob", Date, HORSE_PRO, "(pro) dob of the ancestor's horse record", by=_LINEAGE_BY,
            empty_because="filled for ancestors whose own horse record is in the database, i.e. those that "
                          "raced in its history; a short history (the demo's month) has few"),
    *timestamps(),
    UniqueConstraint("runner_id", "lineage_path"),
)


_OWN_CAREER_EMPTY = (
    "filled only for ancestors whose own races are in the database, years before their offspring's "
    "(a short history such as the demo's month has few, and no damsires)"
)


def _ancestor_stats_table(kind: str, offspring: str, count_column: str) -> Table:
    """``ra_sire_stats`` and friends: the ancestor's own career plus its offspring's record."""
    name = f"ra_{kind}_stats"
    return Table(
        name,
        metadata,
        derived(f"{kind}_id", Text, (RACECARDS, RESULTS), _both(f"{kind}_id", f"{kind}_id"), primary_key=True,
                by=_ANCESTOR_BY),
        derived(f"{kind}_name", Text, (RACECARDS, RESULTS), _both(kind, kind), nullable=False, by=_ANCESTOR_BY),
        derived(f"{kind}_region", Text, RACECARDS, f"racecards[].runners[].{kind}_region", by=_ANCESTOR_BY),
        calculated("own_race_runs", Integer, _ANCESTOR_BY),
        calculated("own_race_wins", Integer, _ANCESTOR_BY),
        calculated("own_race_places", Integer, _ANCESTOR_BY),
        calculated("own_total_prize", num(12, 2), _ANCESTOR_BY),
        *(calculated(name, type_, _ANCESTOR_BY, empty_because=_OWN_CAREER_EMPTY) for name, type_ in (
            ("own_best_position", Integer), ("own_avg_position", num(5, 2)),
            ("own_career_start", Date), ("own_career_end", Date))),
        calculated(count_column, Integer, _ANCESTOR_BY),
        calculated(f"{offspring}_count", Integer, _ANCESTOR_BY),
        calculated(f"{offspring}_runners", Integer, _ANCESTOR_BY),
        calculated(f"{offspring}_total_runs", Integer, _ANCESTOR_BY),
        calculated(f"{offspring}_wins", Integer, _ANCESTOR_BY),
        calculated(f"{offspring}_places", Integer, _ANCESTOR_BY),
        calculated(f"{offspring}_total_prize", num(15, 2), _ANCESTOR_BY),
        calculated(f"{offspring}_win_rate", num(5, 2), _ANCESTOR_BY),
        calculated(f"{offspring}_place_rate", num(5, 2), _ANCESTOR_BY),
        calculated(f"{offspring}_avg_position", num(5, 2), _ANCESTOR_BY),
        *timestamps(),
        CheckConstraint("own_race_runs >= 0", name="own_race_runs"),
        CheckConstraint(f"{count_column} >= 0", name=count_column),
    )


ra_sire_stats = _ancestor_stats_table("sire", "progeny", "total_progeny")
ra_dam_stats = _ancestor_stats_table("dam", "progeny", "total_progeny")
ra_damsire_stats = _ancestor_stats_table("damsire", "grandoffspring", "total_grandoffspring")

_FORM_GROUPS = (
    "course", "course_distance", "distance", "firm", "good", "soft", "heavy",
    "aw", "jockey", "jumps", "last_10", "last_12m",
)


def _form_counts(groups: Iterable[str]) -> list[Column]:
    return [
        calculated(f"{group}_{what}", Integer, _SUPPLEMENTARY_BY)
        for group in groups
        for what in ("runs", "wins", "2nds", "3rds")
    ]


ra_runner_statistics = Table(
    "ra_runner_statistics",
    metadata,
    surrogate_id(),
    calculated("runner_id", BigInteger, _SUPPLEMENTARY_BY, nullable=False, unique=True),
    calculated("horse_id", Text, _SUPPLEMENTARY_BY),
    calculated("career_runs", Integer, _SUPPLEMENTARY_BY),
    calculated("career_wins", Integer, _SUPPLEMENTARY_BY),
    calculated("career_prize", num(15, 2), _SUPPLEMENTARY_BY),
    calculated("career_win_percent", num(), _SUPPLEMENTARY_BY),
    calculated("career_place_percent", num(), _SUPPLEMENTARY_BY),
    *_form_counts(_FORM_GROUPS),
    calculated("last_raced", Date, _SUPPLEMENTARY_BY),
    calculated("last_won", Date, _SUPPLEMENTARY_BY),
    calculated("min_winning_distance_yards", Integer, _SUPPLEMENTARY_BY),
    calculated("max_winning_distance_yards", Integer, _SUPPLEMENTARY_BY),
    *timestamps(),
    Index(None, "horse_id"),
)


def _performance_columns() -> list[Column]:
    """The counts, rates, A/E and level-stakes P/L shared by every performance table."""
    return [
        calculated("total_runs", Integer, _SUPPLEMENTARY_BY),
        calculated("wins", Integer, _SUPPLEMENTARY_BY),
        calculated("places_2nd", Integer, _SUPPLEMENTARY_BY),
        calculated("places_3rd", Integer, _SUPPLEMENTARY_BY),
        calculated("win_percent", num(), _SUPPLEMENTARY_BY),
        calculated("place_percent", num(), _SUPPLEMENTARY_BY),
        calculated("ae_index", num(), _SUPPLEMENTARY_BY),
        calculated("profit_loss_1u", num(), _SUPPLEMENTARY_BY),
    ]


def _calculation_stamps() -> list[Column]:
    return [
        calculated("query_filters", JSONB, _SUPPLEMENTARY_BY),
        system("calculated_at", UTCDateTime, by=_SUPPLEMENTARY_BY),
        system("created_at", UTCDateTime, nullable=False, server_default=func.now(), by="database"),
    ]


ra_performance_by_distance = Table(
    "ra_performance_by_distance",
    metadata,
    surrogate_id(),
    calculated("entity_type", Text, _SUPPLEMENTARY_BY, nullable=False),
    calculated("entity_id", Text, _SUPPLEMENTARY_BY, nullable=False),
    calculated("distance_yards", Integer, _SUPPLEMENTARY_BY, nullable=False),
    calculated("distance_display", Text, _SUPPLEMENTARY_BY),
    calculated("distance_band", Text, _SUPPLEMENTARY_BY),
    *_performance_columns(),
    calculated("best_time_seconds", num(), _SUPPLEMENTARY_BY),
    calculated("avg_time_seconds", num(), _SUPPLEMENTARY_BY),
    calculated("last_time_seconds", num(), _SUPPLEMENTARY_BY),
    calculated("going_breakdown", JSONB, _SUPPLEMENTARY_BY),
    *_calculation_stamps(),
    UniqueConstraint("entity_type", "entity_id", "distance_yards"),
)

ra_performance_by_venue = Table(
    "ra_performance_by_venue",
    metadata,
    surrogate_id(),
    calculated("entity_type", Text, _SUPPLEMENTARY_BY, nullable=False),
    calculated("entity_id", Text, _SUPPLEMENTARY_BY, nullable=False),
    calculated("venue_id", Text, _SUPPLEMENTARY_BY, nullable=False),
    *_performance_columns(),
    *_calculation_stamps(),
    UniqueConstraint("entity_type", "entity_id", "venue_id"),
)

ra_entity_combinations = Table(
    "ra_entity_combinations",
    metadata,
    surrogate_id(),
    calculated("entity1_type", Text, _SUPPLEMENTARY_BY, nullable=False),
    calculated("entity1_id", Text, _SUPPLEMENTARY_BY, nullable=False),
    calculated("entity2_type", Text, _SUPPLEMENTARY_BY, nullable=False),
    calculated("entity2_id", Text, _SUPPLEMENTARY_BY, nullable=False),
    *_performance_columns(),
    *_calculation_stamps(),
    UniqueConstraint("entity1_type", "entity1_id", "entity2_type", "entity2_id"),
    CheckConstraint("entity1_type < entity2_type", name="canonical_order"),
)

# --------------------------------------------------------------------------- bookkeeping

_COLLECTION_BY = "ingest.collection"

ra_metadata_tracking = Table(
    "ra_metadata_tracking",
    metadata,
    system("table_name", Text, primary_key=True, by=_COLLECTION_BY),
    system("last_updated", UTCDateTime, by=_COLLECTION_BY),
    system("record_count", BigInteger, by=_COLLECTION_BY),
)

ra_collection_metadata = Table(
    "ra_collection_metadata",
    metadata,
    system("id", Uuid, primary_key=True, by=_COLLECTION_BY),
    system("table_name", Text, nullable=False, by=_COLLECTION_BY),
    system("operation", Text, nullable=False, by=_COLLECTION_BY),
    system("records_processed", Integer, by=_COLLECTION_BY),
    system("records_inserted", Integer, by=_COLLECTION_BY),
    system("records_updated", Integer, by=_COLLECTION_BY),
    system("records_skipped", Integer, by=_COLLECTION_BY, empty_because=(
        "not counted per table: records set aside are counted per run (dh_runs.summary, dh_quarantine)")),
    system("status", Text, nullable=False, by=_COLLECTION_BY),
    system("error_message", Text, by=_COLLECTION_BY, empty_because="filled only when a run fails"),
    system("metadata", JSONB, by=_COLLECTION_BY),
    *timestamps(),
    CheckConstraint("status IN ('success', 'partial', 'failed')", name="status"),
)

dh_runs = Table(
    "dh_runs",
    metadata,
    surrogate_id(),
    system("command", Text, nullable=False),
    system("mode", Text),
    system("status", Text, nullable=False),
    system("success", Boolean),
    system("started_at", UTCDateTime, nullable=False),
    system("finished_at", UTCDateTime),
    system("summary", JSONB),
    system("error", Text, empty_because="filled only when a run fails"),
    system("pid", Integer),
    system("host", Text),
    CheckConstraint("status IN ('running', 'succeeded', 'failed', 'interrupted')", name="status"),
)

dh_work_units = Table(
    "dh_work_units",
    metadata,
    surrogate_id(),
    system("job", Text, nullable=False),
    system("partition_key", Text, nullable=False),
    system("status", Text, nullable=False),
    system("attempts", Integer, nullable=False, server_default="0"),
    system("last_error", Text, empty_because="filled only when a unit fails"),
    system("rows_written", Integer, nullable=False, server_default="0"),
    system("api_calls", Integer, nullable=False, server_default="0"),
    system("run_id", SURROGATE_ID, ForeignKey("dh_runs.id", ondelete="SET NULL")),
    system("started_at", UTCDateTime),
    system("finished_at", UTCDateTime),
    *timestamps(),
    UniqueConstraint("job", "partition_key"),
    Index(None, "status", "job"),
    CheckConstraint("status IN ('pending', 'running', 'done', 'failed', 'skipped')", name="status"),
)

dh_quarantine = Table(
    "dh_quarantine",
    metadata,
    surrogate_id(),
    system("run_id", SURROGATE_ID, ForeignKey("dh_runs.id", ondelete="SET NULL")),
    system("job", Text, nullable=False),
    system("partition_key", Text, nullable=False),
    system("record_key", Text),
    system("reason", Text, nullable=False),
    system("raw", Text, nullable=False),
    *timestamps(),
    Index(None, "job", "partition_key"),
)

dh_locks = Table(
    "dh_locks",
    metadata,
    system("name", Text, primary_key=True),
    system("holder", Text, nullable=False),
    system("acquired_at", UTCDateTime, nullable=False),
    system("heartbeat_at", UTCDateTime, nullable=False),
)

dh_alert_state = Table(
    "dh_alert_state",
    metadata,
    system("problem", Text, primary_key=True, by="ops.alerts"),
    system("summary", Text, nullable=False, by="ops.alerts"),
    system("raised_at", UTCDateTime, nullable=False, by="ops.alerts"),
    system("notified_at", UTCDateTime, by="ops.alerts"),
    system("resolving_at", UTCDateTime, by="ops.alerts"),
)
"""One row per open problem that alerts know about (see :mod:`darkhorses.ops.alerts`): shared by
every process on the database, so each problem is announced once and resolved once."""

_STATE_BY = "stats.scope"

dh_stats_state = Table(
    "dh_stats_state",
    metadata,
    system("table_name", Text, primary_key=True, by=_STATE_BY),
    system("as_of", Date, nullable=False, by=_STATE_BY),
    system("first_day", Integer, by=_STATE_BY, empty_because="filled only when --since or --lookback narrows the window"),
    system("parameters", Text, nullable=False, by=_STATE_BY),
    system("watermark", UTCDateTime, by=_STATE_BY, empty_because="empty only when the database held no data"),
    system("populated_at", UTCDateTime, nullable=False, by=_STATE_BY),
)
"""What each statistics table describes since its last complete populate: the as-of date, the
window, the parameters and the latest write it saw. An incremental populate starts from here."""

dh_stats_run_keys = Table(
    "dh_stats_run_keys",
    metadata,
    system("runner_id", SURROGATE_ID, primary_key=True, autoincrement=False, by=_STATE_BY),
    *(system(f"{kind}_id", Text, by=_STATE_BY, empty_because="the run has no such entity")
      for kind in ("horse", "jockey", "trainer", "owner", "sire", "dam", "damsire")),
    system("facts", Text, nullable=False, by=_STATE_BY),
)
"""The keys and facts (a fingerprint of everything the run adds to a group) each run had at the
last populate, so an incremental one can tell a new run (added to its groups' sums) from an
amended one (whose old and new groups are recomputed) and from an unchanged one (left alone)."""

_SUM = SURROGATE_ID  # a 64-bit integer on both engines

dh_stats_sums = Table(
    "dh_stats_sums",
    metadata,
    system("family", Text, primary_key=True, by=_STATE_BY),
    system("id", Text, primary_key=True, by=_STATE_BY),
    system("sub", Text, primary_key=True, by=_STATE_BY),
    system("sub2", Text, primary_key=True, by=_STATE_BY),
    *(system(name, _SUM, nullable=False, by=_STATE_BY)
      for name in ("n_runs", "n_wins", "n_2nd", "n_3rd", "n_top3", "n_ew", "n_sp", "n_wins_sp", "n_finishes", "n_cs")),
    *(system(name, _SUM, by=_STATE_BY, empty_because="no run of the group carried the value")
      for name in ("exp_nano", "pl_units", "prize_pence", "pos_sum", "best_cs", "sum_cs", "last_timed")),
    system("last_date", Date, nullable=False, by=_STATE_BY),
    system("last_win_date", Date, by=_STATE_BY, empty_because="the group has no win"),
)
"""The additive sums of every group the grouped statistics tables report (a jockey, a sire's
offspring by class, a jockey-trainer pair, ...), kept between populates so that a day's new runs
are added to them instead of every group being recomputed from all runs (:mod:`darkhorses.stats.sums`)."""

CONTRACT_TABLES: tuple[Table, ...] = tuple(t for t in metadata.sorted_tables if t.name.startswith("ra_"))
"""The tables downstream apps read, in foreign-key order (parents first)."""
