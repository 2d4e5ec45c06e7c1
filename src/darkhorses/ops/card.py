"""``darkhorses card``: a day's stored racecards with each runner's form beside it.

Every figure is **as of the race date D**: it is computed over the runs of races run on the days
before D, never the race itself, nor a race later the same day or after (docs/statistics.md,
"The racecard"). The runs are the same ``run`` relation the statistics tables use
(:mod:`darkhorses.stats.run`), built as of D - 1 in a temporary table for the duration of one
transaction, and each record (runs, wins, win %, A/E) is the shared record of
:mod:`darkhorses.stats.record`, so a card never disagrees with ``populate`` about what a run, a
win or an A/E is. The card itself is plain dataclasses with a JSON form (:meth:`Card.to_json`),
for programs and for a dashboard page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, bindparam, text
from sqlalchemy.engine import Connection, Engine

from darkhorses.db.types import UTCDateTime
from darkhorses.errors import ConfigError, DarkHorsesError
from darkhorses.london import LONDON
from darkhorses.parse import parse_last_run
from darkhorses.stats.context import Context, day_number
from darkhorses.stats.performance import distance_band
from darkhorses.stats.record import RECORD_SUMS, record_values, select_list
from darkhorses.stats.run import RUN_TABLE, distance_yards, half_furlongs, materialise_run, race_facts
from darkhorses.stats.sql import Dialect


class NoRacecards(DarkHorsesError):
    """Nothing stored for the requested day, course or race."""

    exit_code = 1


@dataclass(frozen=True)
class Record:
    """Runs and wins of a group of prior runs, the strike rate (%) and A/E (NULL with no runs / SPs)."""

    runs: int
    wins: int
    win_pct: float | None
    ae: float | None


@dataclass(frozen=True)
class BestPrice:
    """The longest current price any bookmaker offers on the runner."""

    decimal: float
    fractional: str | None
    bookmaker: str


@dataclass(frozen=True)
class CardRunner:
    """One declared runner and its figures going into the race."""

    runner_id: int
    number: str | None
    draw: int | None
    horse_id: str
    horse: str
    age: int | None
    weight_lbs: int | None
    official_rating: int | None
    jockey_id: str | None
    jockey: str | None
    jockey_claim_lbs: int | None
    trainer_id: str | None
    trainer: str | None
    non_runner: bool
    form: str | None
    days_since_last_run: int | None
    course_winner: bool
    distance_winner: bool
    course_distance_winner: bool
    going: Record
    distance_band: Record
    jockey_14_days: Record
    trainer_14_days: Record
    jockey_trainer: Record
    sire_type_band: Record
    damsire_type_band: Record
    best_rpr: int | None
    best_ts: int | None
    best_price: BestPrice | None

    @property
    def flags(self) -> str:
        """Racing's shorthand: ``CD`` for a win over this course and distance together (it implies
        both), else ``C`` and/or ``D`` (``C D`` when the two wins came in different races)."""
        if self.course_distance_winner:
            return "CD"
        return " ".join(flag for flag, won in (("C", self.course_winner), ("D", self.distance_winner)) if won)


@dataclass(frozen=True)
class CardRace:
    """A race's conditions and its runners in racecard order."""

    race_id: str
    date: dt.date
    off_dt: dt.datetime | None
    course_id: str | None
    course: str | None
    race_name: str
    race_type: str | None
    race_class: str | None
    pattern: str | None
    distance: str | None
    distance_f: float | None
    distance_band: str | None
    going: str | None
    surface: str | None
    age_band: str | None
    rating_band: str | None
    field_size: int | None
    prize: float | None
    prize_currency: str | None
    abandoned: bool
    runners: tuple[CardRunner, ...]

    @property
    def off_time(self) -> str | None:
        """The off time on the London clock, ``14:10``."""
        return self.off_dt.astimezone(LONDON).strftime("%H:%M") if self.off_dt else None


@dataclass(frozen=True)
class Card:
    """The racecards of one day (optionally one course or one race)."""

    date: dt.date
    races: tuple[CardRace, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types: dates and times as ISO 8601 text, the off time also on the London clock."""
        def plain(value: Any) -> Any:
            if isinstance(value, dt.date | dt.datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, list | tuple):
                return [plain(item) for item in value]
            return value

        races = []
        for race in self.races:
            body = plain(dataclasses.asdict(race))
            body["off_time"] = race.off_time
            for runner, shown in zip(race.runners, body["runners"], strict=True):
                shown["flags"] = runner.flags
            races.append(body)
        return {"date": self.date.isoformat(), "races": races}


# --------------------------------------------------------------------------- SQL

_RACE_SQL = f"""
SELECT ra.id, ra.date, ra.off_dt, ra.course_id, COALESCE(co.name, ra.course_name) AS course, ra.race_name,
       ra.type, ra.race_class, ra.pattern, COALESCE(ra.distance_round, ra.distance) AS distance, ra.distance_f,
       {distance_band(half_furlongs(distance_yards('ra')))} AS band, ra.going, ra.surface, ra.age_band,
       ra.rating_band, ra.field_size, ra.prize, ra.prize_currency, COALESCE(ra.is_abandoned, FALSE) AS abandoned
FROM ra_mst_races ra LEFT JOIN ra_mst_courses co ON co.id = ra.course_id
WHERE ra.date = :day {{filters}}
ORDER BY ra.off_dt, ra.id
"""

RECORDS = {
    "going": "r.horse_id = c.horse_id AND (r.going_group = c.going_group "
             "OR (c.going_group IS NULL AND c.is_aw = 1 AND r.is_aw = 1))",
    "band": f"r.horse_id = c.horse_id AND {distance_band('r.key_hf')} = c.band",
    "jockey_14": "r.jockey_id = c.jockey_id AND r.race_day > :day_14",
    "trainer_14": "r.trainer_id = c.trainer_id AND r.race_day > :day_14",
    "jockey_trainer": "r.jockey_id = c.jockey_id AND r.trainer_id = c.trainer_id",
    "sire": f"r.sire_id = c.sire_id AND r.race_type = c.race_type AND {distance_band('r.key_hf')} = c.band",
    "damsire": f"r.damsire_id = c.damsire_id AND r.race_type = c.race_type AND {distance_band('r.key_hf')} = c.band",
}
"""Each record's prior runs, as a join condition between a card runner ``c`` and a run ``r``."""


def runners_sql(dialect: Dialect, ctx: Context) -> str:
    """One row per card runner with every figure; ``run`` must hold the runs as of D - 1.

    ``relevant`` keeps the runs of the card's horses, jockeys, trainers, sires and damsires (one
    scan of ``run``), so the eight grouped joins below index and read a small set, not every run.
    """
    record_ctes = ",\n".join(
        f"{name} AS (SELECT c.runner_id, {RECORD_SUMS} FROM card c JOIN relevant r ON {on} GROUP BY c.runner_id)"
        for name, on in RECORDS.items()
    )
    figures: dict[str, str] = {}
    for name in RECORDS:
        v = record_values(name)
        figures |= {f"{name}_runs": v["runs"], f"{name}_wins": v["wins"], f"{name}_win_pct": v["win_pct"],
                    f"{name}_ae": v["ae"]}
    return f"""
WITH races AS (
  SELECT * FROM ({race_facts(dialect, ctx, resulted=False)}) facts WHERE race_id IN :race_ids
),
card AS (
  SELECT ru.id AS runner_id, ru.horse_id, ru.jockey_id, ru.trainer_id,
         COALESCE(h.sire_id, ru.sire_id) AS sire_id, COALESCE(h.damsire_id, ru.damsire_id) AS damsire_id,
         races.course_id, races.key_hf, races.going_group, races.is_aw, races.race_type,
         {distance_band('races.key_hf')} AS band
  FROM ra_mst_runners ru JOIN races ON races.race_id = ru.race_id
  LEFT JOIN ra_mst_horses h ON h.id = ru.horse_id
),
relevant AS MATERIALIZED (
  SELECT * FROM {RUN_TABLE}
  WHERE {" OR ".join(f"{key} IN (SELECT {key} FROM card)" for key in ("horse_id", "jockey_id", "trainer_id",
                                                                        "sire_id", "damsire_id"))}
),
history AS (
  SELECT c.runner_id, MAX(r.race_day) AS last_day,
         MAX(CASE WHEN r.is_win = 1 AND r.course_id = c.course_id THEN 1 ELSE 0 END) AS c_won,
         MAX(CASE WHEN r.is_win = 1 AND r.key_hf = c.key_hf THEN 1 ELSE 0 END) AS d_won,
         MAX(CASE WHEN r.is_win = 1 AND r.course_id = c.course_id AND r.key_hf = c.key_hf THEN 1 ELSE 0 END) AS cd_won,
         MAX(rr.rpr) AS best_rpr, MAX(rr.tsr) AS best_ts
  FROM card c JOIN relevant r ON r.horse_id = c.horse_id
  LEFT JOIN ra_mst_race_results rr ON rr.race_id = r.race_id AND rr.horse_id = r.horse_id
  GROUP BY c.runner_id
),
{record_ctes},
prices AS (
  SELECT o.race_id, o.horse_id, o.decimal_odds, o.fractional_odds, b.name AS bookmaker,
         ROW_NUMBER() OVER (PARTITION BY o.race_id, o.horse_id ORDER BY o.decimal_odds DESC, b.name) AS rk
  FROM ra_runner_odds o JOIN ra_mst_bookmakers b ON b.id = o.bookmaker_id
  WHERE o.race_id IN :race_ids AND o.decimal_odds IS NOT NULL
)
SELECT ru.race_id, ru.id AS runner_id, ru.number, ru.draw, ru.horse_id, COALESCE(hm.name, ru.horse_name) AS horse,
       ru.age, ru.weight_lbs, ru.ofr, ru.jockey_id, COALESCE(jm.name, ru.jockey_name) AS jockey,
       ru.jockey_name, ru.jockey_claim_lbs, ru.trainer_id, COALESCE(tm.name, ru.trainer_name) AS trainer,
       COALESCE(ru.is_non_runner, FALSE) AS non_runner, ru.form, ru.last_run,
       :card_day - history.last_day AS days_since_last_run,
       COALESCE(history.c_won, 0) AS c_won, COALESCE(history.d_won, 0) AS d_won,
       COALESCE(history.cd_won, 0) AS cd_won, history.best_rpr, history.best_ts,
       prices.decimal_odds, prices.fractional_odds, prices.bookmaker,
       {select_list(figures)}
FROM card c
JOIN ra_mst_runners ru ON ru.id = c.runner_id
LEFT JOIN ra_mst_horses hm ON hm.id = ru.horse_id
LEFT JOIN ra_mst_jockeys jm ON jm.id = ru.jockey_id
LEFT JOIN ra_mst_trainers tm ON tm.id = ru.trainer_id
LEFT JOIN history ON history.runner_id = c.runner_id
{" ".join(f"LEFT JOIN {name} ON {name}.runner_id = c.runner_id" for name in RECORDS)}
LEFT JOIN prices ON prices.race_id = ru.race_id AND prices.horse_id = ru.horse_id AND prices.rk = 1
"""


# --------------------------------------------------------------------------- assembly

_CLAIM = re.compile(r"\((\d{1,2})\)\s*$")


def jockey_claim(name: str | None, claim_lbs: int | None) -> int | None:
    """The rider's allowance: the result's figure, else the racecard's ``"Name(3)"`` suffix."""
    if claim_lbs is not None:
        return claim_lbs
    match = _CLAIM.search(name or "")
    return int(match.group(1)) if match else None


def _record(row: dict[str, Any], name: str) -> Record:
    """PostgreSQL returns the rounded rates as ``Decimal``; the card carries floats on both engines."""
    return Record(int(row[f"{name}_runs"]), int(row[f"{name}_wins"]), _float(row[f"{name}_win_pct"]),
                  _float(row[f"{name}_ae"]))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _runner(row: dict[str, Any]) -> CardRunner:
    days = row["days_since_last_run"]
    if days is None and (last := parse_last_run(row["last_run"])) is not None:
        days = last.days
    price = None
    if row["decimal_odds"] is not None:
        price = BestPrice(float(row["decimal_odds"]), row["fractional_odds"], row["bookmaker"])
    return CardRunner(
        runner_id=int(row["runner_id"]), number=row["number"], draw=row["draw"], horse_id=row["horse_id"],
        horse=row["horse"], age=row["age"], weight_lbs=row["weight_lbs"], official_rating=row["ofr"],
        jockey_id=row["jockey_id"], jockey=row["jockey"],
        jockey_claim_lbs=jockey_claim(row["jockey_name"], row["jockey_claim_lbs"]),
        trainer_id=row["trainer_id"], trainer=row["trainer"], non_runner=bool(row["non_runner"]),
        form=row["form"], days_since_last_run=None if days is None else int(days),
        course_winner=bool(row["c_won"]), distance_winner=bool(row["d_won"]),
        course_distance_winner=bool(row["cd_won"]),
        going=_record(row, "going"), distance_band=_record(row, "band"),
        jockey_14_days=_record(row, "jockey_14"), trainer_14_days=_record(row, "trainer_14"),
        jockey_trainer=_record(row, "jockey_trainer"), sire_type_band=_record(row, "sire"),
        damsire_type_band=_record(row, "damsire"), best_rpr=row["best_rpr"], best_ts=row["best_ts"],
        best_price=price,
    )


def _number_order(runner: CardRunner) -> tuple[int, str]:
    number = runner.number or ""
    return (int(number), "") if number.isdigit() else (10_000, number)


def _races(connection: Connection, day: dt.date, course: str | None, race_id: str | None) -> list[dict[str, Any]]:
    filters, params = [], {"day": day}
    if course:
        filters.append("AND (LOWER(COALESCE(co.name, ra.course_name)) LIKE :course)")
        params["course"] = course.strip().lower() + "%"
    if race_id:
        filters.append("AND ra.id = :race_id")
        params["race_id"] = race_id
    statement = text(_RACE_SQL.format(filters=" ".join(filters))).bindparams(
        bindparam("day", type_=Date())).columns(date=Date(), off_dt=UTCDateTime())
    return [dict(row) for row in connection.execute(statement, params).mappings()]


def build_card(engine: Engine, day: dt.date, *, course: str | None = None, race_id: str | None = None) -> Card:
    """The racecards stored for ``day`` (filtered to a course name prefix or one race id), each
    runner's figures computed over the runs before ``day``. Raises :class:`NoRacecards` when
    nothing matches."""
    with engine.connect() as connection, connection.begin() as transaction:
        races = _races(connection, day, course, race_id)
        if not races:
            where = f" for race {race_id}" if race_id else f" at {course!r}" if course else ""
            raise NoRacecards(f"no racecards stored for {day.isoformat()}{where}; run `darkhorses fetch --mode manual "
                              f"--tables racecards --start-date {day.isoformat()} --end-date {day.isoformat()}`")
        ctx = Context(as_of=day - dt.timedelta(days=1), batch_ts=dt.datetime.now(dt.timezone.utc))
        materialise_run(connection, ctx)
        statement = ctx.sql(runners_sql(Dialect.of(connection), ctx)).bindparams(
            bindparam("race_ids", expanding=True))
        params = {**ctx.params(), "race_ids": [race["id"] for race in races], "card_day": day_number(day)}
        by_race: dict[str, list[CardRunner]] = {race["id"]: [] for race in races}
        for row in connection.execute(statement, params).mappings():
            by_race[row["race_id"]].append(_runner(dict(row)))
        transaction.rollback()  # drops the temporary ``run`` table with everything else
    return Card(day, tuple(_race(race, by_race[race["id"]]) for race in races))


def _race(race: dict[str, Any], runners: list[CardRunner]) -> CardRace:
    return CardRace(
        race_id=race["id"], date=race["date"], off_dt=race["off_dt"], course_id=race["course_id"],
        course=race["course"], race_name=race["race_name"], race_type=race["type"], race_class=race["race_class"],
        pattern=race["pattern"], distance=race["distance"], distance_f=_float(race["distance_f"]),
        distance_band=race["band"], going=race["going"], surface=race["surface"],
        age_band=race["age_band"], rating_band=race["rating_band"], field_size=race["field_size"],
        prize=_float(race["prize"]), prize_currency=race["prize_currency"], abandoned=bool(race["abandoned"]),
        runners=tuple(sorted(runners, key=_number_order)),
    )


def parse_day(value: str | None, today: dt.date, *, option: str = "--date") -> dt.date:
    """``--date`` (or the dashboard's ``date``, named by ``option`` in the error): an ISO date, or
    ``today`` / ``tomorrow``; default today (London)."""
    if value is None or value.lower() == "today":
        return today
    if value.lower() == "tomorrow":
        return today + dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} must be a date like 2025-10-07 (or today, tomorrow), not {value!r}") from None

