"""An incremental populate equals a full one, row for row, after any sequence of fetches.

Each test builds a small racing world (about 1,000 runners over five weeks, random but seeded),
populates it in full, then applies what fetches do (a day's results and racecards, a late
amendment to a past result, a horse's first run, a pedigree filled in, a day with no racing)
and populates incrementally. After every step the statistics tables' digests are compared with
those of a ``--full`` populate of the same data as of the same date.

After each populate the data is stamped far in the past, as if fetched long before, so each
incremental batch sees exactly the changes of its step; the watermark overlap is cut to one second.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from darkhorses.db import schema
from darkhorses.ops.digest import database_digest, differing
from darkhorses.stats import scope
from darkhorses.stats.populate import JOBS, PopulateResult, populate

START = dt.date(2025, 1, 1)
DAYS = 35
"""Days 0-34 are resulted; a racecard is declared for day 36; day 35 has no racing."""
LAST = START + dt.timedelta(days=DAYS - 1)
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
STATS = list(JOBS)
ENTITIES = {"horse": 40, "jockey": 9, "trainer": 7, "owner": 12, "sire": 6, "dam": 25, "damsire": 5}


@dataclass
class World:
    """Seeded racing data written straight into the tables, the way a fetch leaves it."""

    engine: Engine
    rng: random.Random = field(default_factory=lambda: random.Random(17))
    known: set[tuple[str, str]] = field(default_factory=set)
    races: int = 0

    def _master(self, connection: Any, kind: str, key: str, **values: Any) -> None:
        if (kind, key) not in self.known:
            self.known.add((kind, key))
            table = schema.metadata.tables[f"ra_mst_{kind}s"]
            connection.execute(insert(table), [{"id": key, "name": key.upper(), **values}])

    def horse(self, connection: Any, n: int) -> str:
        key = f"hrs_{n}"
        sire, dam, damsire = f"sir_{n % ENTITIES['sire']}", f"dam_{n % ENTITIES['dam']}", f"dsi_{n % ENTITIES['damsire']}"
        for kind, pid in (("sire", sire), ("dam", dam), ("damsire", damsire)):
            self._master(connection, kind, pid)
        self._master(connection, "horse", key, sire_id=sire, dam_id=dam, damsire_id=damsire)
        return key

    def day(self, day: dt.date, resulted: bool, races: int = 3, horses: range | None = None) -> list[str]:
        """Write ``races`` races on ``day`` (results or only declarations); return their ids."""
        ids = []
        with self.engine.begin() as connection:
            self._master(connection, "course", "crs_a", region_code="gb")
            self._master(connection, "course", "crs_b", region_code="ire")
            for _ in range(races):
                self.races += 1
                race_id = f"rac_{self.races}"
                ids.append(race_id)
                connection.execute(insert(schema.ra_mst_races), [{
                    "id": race_id, "course_id": self.rng.choice(["crs_a", "crs_b"]), "date": day,
                    "off_dt": dt.datetime.combine(day, dt.time(12 + len(ids)), tzinfo=dt.timezone.utc),
                    "race_name": self.rng.choice(["Maiden Stakes", "Class Handicap", "Nursery"]),
                    "race_class": self.rng.choice(["Class 2", "Class 4", None]),
                    "distance_f": self.rng.choice([5, 6, 8, 10, 12.5]), "type": self.rng.choice(["Flat", "Hurdle"]),
                    "surface": self.rng.choice(["Turf", "AW"]), "going": self.rng.choice(["Good", "Soft", "Firm"]),
                    "has_result": resulted, "is_abandoned": False,
                }])
                field_size = self.rng.randint(4, 12)
                pool = horses or range(ENTITIES["horse"])
                runners = []
                for place, n in enumerate(self.rng.sample(list(pool), min(field_size, len(pool))), start=1):
                    people = {kind: f"{kind[:3]}_{self.rng.randrange(ENTITIES[kind])}"
                              for kind in ("jockey", "trainer", "owner")}
                    for kind, pid in people.items():
                        self._master(connection, kind, pid)
                    non_runner = resulted and self.rng.random() < 0.06
                    position = None if not resulted or non_runner else (
                        "PU" if self.rng.random() < 0.08 else str(place))
                    runners.append({
                        "race_id": race_id, "horse_id": self.horse(connection, n),
                        **{f"{kind}_id": pid for kind, pid in people.items()},
                        "position_raw": position if resulted else None,
                        "position": int(position) if position and position.isdigit() else None,
                        "is_non_runner": non_runner,
                        "starting_price_decimal": round(self.rng.uniform(1.5, 30), 2) if resulted else None,
                        "prize_won": round(self.rng.uniform(100, 5000), 2) if resulted and place <= 3 else None,
                        "prize_currency": "GBP" if resulted and place <= 3 else None,
                        "finishing_time_seconds": round(self.rng.uniform(60, 300), 2) if position else None,
                    })
                connection.execute(insert(schema.ra_mst_runners), runners)
        return ids

    def backdate(self) -> None:
        """Stamp every row as written long ago, and the last write (an idle jockey) an hour later,
        so the first populate's watermark lies well after the data it has seen."""
        settle(self.engine)
        with self.engine.begin() as connection:
            connection.execute(insert(schema.ra_mst_jockeys), [
                {"id": "joc_idle", "name": "IDLE", "updated_at": LONG_AGO + dt.timedelta(hours=1)}])

    def result(self, race_id: str) -> None:
        """The result of a declared race arrives: positions, SPs, one non-runner."""
        with self.engine.begin() as connection:
            ids = connection.execute(select(schema.ra_mst_runners.c.id)
                                     .where(schema.ra_mst_runners.c.race_id == race_id)
                                     .order_by(schema.ra_mst_runners.c.id)).scalars().all()
            for place, runner in enumerate(ids, start=1):
                scratched = place == len(ids)
                self.touch(connection, schema.ra_mst_runners, runner, position=None if scratched else place,
                           position_raw="NR" if scratched else str(place), is_non_runner=scratched,
                           starting_price_decimal=2.0 + place)
            self.touch(connection, schema.ra_mst_races, race_id, has_result=True)

    @staticmethod
    def touch(connection: Any, table: Any, key: Any, **values: Any) -> None:
        connection.execute(update(table).where(table.c.id == key).values(**values, updated_at=func.now()))


def settle(engine: Engine) -> None:
    """Stamp every row long ago: what a step wrote lies before the next step's changes, however
    close together the test runs them (SQLite stamps whole seconds)."""
    with engine.begin() as connection:
        for name in scope.WATCHED:
            connection.execute(update(schema.metadata.tables[name]).values(updated_at=LONG_AGO))


def _full_equals_incremental(engine: Engine, as_of: dt.date, **options: Any) -> PopulateResult:
    """Populate incrementally, then in full, and require the same statistics, row for row."""
    result = populate(engine, as_of=as_of, **options)
    incremental = database_digest(engine, STATS)
    full = populate(engine, as_of=as_of, full=True, **options)
    assert not full.incremental and full.full_because == "--full"
    assert differing(incremental, database_digest(engine, STATS)) == []
    settle(engine)
    return result


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(scope, "WATERMARK_OVERLAP", dt.timedelta(seconds=1))
    built = World(engine)
    for offset in range(DAYS):
        built.day(START + dt.timedelta(days=offset), resulted=True)
    built.day(LAST + dt.timedelta(days=2), resulted=False)
    built.backdate()
    first = populate(engine, as_of=LAST)
    assert not first.incremental and first.full_because == "no common previous populate of every table"
    return built


def _runners(engine: Engine, race_id: str) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(select(schema.ra_mst_runners.c.id)
                                       .where(schema.ra_mst_runners.c.race_id == race_id)
                                       .order_by(schema.ra_mst_runners.c.id)).scalars())


def test_next_days_results_and_racecards_then_a_day_without_racing(world: World) -> None:
    engine = world.engine
    next_day = LAST + dt.timedelta(days=1)
    world.day(next_day, resulted=True, races=2, horses=range(ENTITIES["horse"] + 3))  # includes debutants
    world.day(next_day + dt.timedelta(days=3), resulted=False, races=1)  # tomorrow's cards
    result = _full_equals_incremental(engine, next_day)
    assert result.incremental and result.full_because is None
    # Only the runners of horses that ran were recomputed (every jockey rode, so all runs were read).
    full_rows = {t.table: t.rows for t in populate(engine, as_of=next_day, full=True).tables}
    rows = {t.table: t.rows for t in result.tables}
    assert 0 < rows["ra_runner_statistics"] < full_rows["ra_runner_statistics"]
    no_racing = _full_equals_incremental(engine, next_day + dt.timedelta(days=1))
    assert no_racing.incremental
    with engine.connect() as connection:  # the calendar alone moved the days since the last ride
        days = connection.execute(select(schema.ra_mst_jockeys.c.days_since_last_ride)
                                  .where(schema.ra_mst_jockeys.c.last_ride_date == next_day)).scalars().first()
    assert days == 1


def test_a_late_result_amends_a_past_race(world: World) -> None:
    engine = world.engine
    past = "rac_20"
    runners = _runners(engine, past)
    with engine.begin() as connection:
        # the places of the first two are swapped, the third was in fact a non-runner, and the
        # race was run over another distance on other going
        world.touch(connection, schema.ra_mst_runners, runners[0], position=2, position_raw="2")
        world.touch(connection, schema.ra_mst_runners, runners[1], position=1, position_raw="1")
        world.touch(connection, schema.ra_mst_runners, runners[2], position=None, position_raw="NR",
                    is_non_runner=True)
        world.touch(connection, schema.ra_mst_races, "rac_7", distance_f=16, going="Heavy")
    assert _full_equals_incremental(engine, LAST).incremental
    with engine.begin() as connection:  # then the rider and trainer of another are corrected
        connection.execute(insert(schema.ra_mst_jockeys), [{"id": "joc_sub", "name": "SUBSTITUTE"}])
        connection.execute(insert(schema.ra_mst_trainers), [{"id": "tra_sub", "name": "SUBSTITUTE"}])
        world.touch(connection, schema.ra_mst_runners, runners[3], jockey_id="joc_sub", trainer_id="tra_sub")
    assert _full_equals_incremental(engine, LAST).incremental


def test_declared_race_resulted_and_a_first_run(world: World) -> None:
    engine = world.engine
    # A newcomer is declared, then runs: horse, jockey and sire seen for the first time.
    with engine.begin() as connection:
        connection.execute(insert(schema.ra_mst_sires), [{"id": "sir_new", "name": "NEW SIRE"}])
        connection.execute(insert(schema.ra_mst_horses), [{"id": "hrs_new", "name": "NEW", "sire_id": "sir_new"}])
        connection.execute(insert(schema.ra_mst_jockeys), [{"id": "joc_new", "name": "NEW JOCKEY"}])
        connection.execute(insert(schema.ra_mst_trainers), [{"id": "tra_idle", "name": "NO RUNNERS YET"}])
        connection.execute(insert(schema.ra_mst_runners), [{
            "race_id": "rac_106", "horse_id": "hrs_new", "jockey_id": "joc_new", "trainer_id": "tra_1"}])
    assert _full_equals_incremental(engine, LAST).incremental
    world.result("rac_106")
    assert _full_equals_incremental(engine, LAST + dt.timedelta(days=2)).incremental


def test_pedigree_and_ancestor_records_change(world: World) -> None:
    engine = world.engine
    with engine.begin() as connection:
        world.touch(connection, schema.ra_mst_horses, "hrs_3", sire_id="sir_5")  # a corrected sire
        world.touch(connection, schema.ra_mst_horses, "hrs_8", dam_id=None)  # a runner-row fallback
        connection.execute(insert(schema.ra_mst_horses), [  # an unraced horse: offspring counts only
            {"id": "hrs_foal", "name": "FOAL", "sire_id": "sir_1", "dam_id": "dam_2", "damsire_id": "dsi_0"}])
        world.touch(connection, schema.ra_mst_sires, "sir_2", horse_id="hrs_11", name="RENAMED")  # own career
    assert _full_equals_incremental(engine, LAST).incremental
    with engine.begin() as connection:  # the foal is re-registered under another sire
        world.touch(connection, schema.ra_mst_horses, "hrs_foal", sire_id="sir_3")
    assert _full_equals_incremental(engine, LAST).incremental
    with engine.begin() as connection:  # a run of sir_2's own horse is amended: its own career changes
        runner = connection.execute(select(func.max(schema.ra_mst_runners.c.id))
                                    .where(schema.ra_mst_runners.c.horse_id == "hrs_11",
                                           schema.ra_mst_runners.c.position.is_not(None))).scalar_one()
        world.touch(connection, schema.ra_mst_runners, runner, position=None, position_raw="F", prize_won=None)
    assert _full_equals_incremental(engine, LAST).incremental


def test_window_options_force_what_they_need(world: World) -> None:
    engine = world.engine
    changed = populate(engine, as_of=LAST, lookback=14)
    assert not changed.incremental and changed.full_because == "the parameters changed"
    next_day = LAST + dt.timedelta(days=1)
    world.day(next_day, resulted=True, races=1)
    moved = _full_equals_incremental(engine, next_day, lookback=14)  # a day leaves the window too
    assert moved.incremental
    assert not populate(engine, as_of=next_day, lookback=14, min_runs=2).incremental
    assert populate(engine, as_of=next_day, lookback=14, min_runs=2).incremental
    since = _full_equals_incremental(engine, next_day, since=START + dt.timedelta(days=10))
    assert not since.incremental  # a new window: everything is recomputed
    assert not populate(engine, as_of=START, since=START + dt.timedelta(days=10)).incremental  # back in time
    assert not populate(engine, as_of=next_day, tables=["ra_mst_jockeys"]).incremental


def test_the_options_change_the_numbers_and_are_recorded(world: World) -> None:
    engine = world.engine
    with engine.connect() as connection:
        everything = connection.execute(select(func.sum(schema.ra_mst_jockeys.c.total_rides))).scalar_one()
        groups = connection.execute(select(func.count()).select_from(schema.ra_entity_combinations)).scalar_one()
    populate(engine, as_of=LAST, lookback=7, min_runs=2)
    with engine.connect() as connection:
        recent = connection.execute(select(func.sum(schema.ra_mst_jockeys.c.total_rides))).scalar_one()
        more = connection.execute(select(func.count()).select_from(schema.ra_entity_combinations)).scalar_one()
        filters = connection.execute(select(schema.ra_entity_combinations.c.query_filters).limit(1)).scalar_one()
    assert 0 < recent < everything / 3
    assert more != groups
    if isinstance(filters, str):
        filters = json.loads(filters)
    assert filters["lookback_days"] == 7 and filters["min_runs"] == 2


def _total_rides(engine: Engine, jockey: str) -> int:
    with engine.connect() as connection:
        return connection.execute(select(schema.ra_mst_jockeys.c.total_rides)
                                  .where(schema.ra_mst_jockeys.c.id == jockey)).scalar_one()


def test_new_and_unchanged_runs_reuse_the_stored_sums_and_an_amendment_regroups(world: World) -> None:
    """What keeps a daily populate flat as the archive grows: a race fetched again unchanged
    recomputes nothing, and a new run is added to the stored sums of its groups instead of its
    jockey's whole history being regrouped. A marker planted in a jockey's stored sums survives
    both; amending one of the jockey's runs recomputes the jockey from all runs and drops it."""
    engine = world.engine
    runners = _runners(engine, "rac_5")
    with engine.connect() as connection:
        ran, jockey = connection.execute(select(schema.ra_mst_runners.c.id, schema.ra_mst_runners.c.jockey_id)
                                         .where(schema.ra_mst_runners.c.race_id == "rac_5",
                                                schema.ra_mst_runners.c.position.is_not(None))).first()
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE dh_stats_sums SET n_runs = n_runs + 1000 "
                                   f"WHERE family = 'jockey' AND id = '{jockey}'")
        for runner in runners:  # fetched again, nothing changed but the stamp
            world.touch(connection, schema.ra_mst_runners, runner)
    next_day = LAST + dt.timedelta(days=1)
    new_race = world.day(next_day, resulted=True, races=1)[0]
    with engine.begin() as connection:  # the jockey rides in the new race
        world.touch(connection, schema.ra_mst_runners, _runners(engine, new_race)[0], jockey_id=jockey)
    assert populate(engine, as_of=next_day).incremental
    marked = _total_rides(engine, jockey)
    populate(engine, as_of=next_day, full=True)
    assert marked == _total_rides(engine, jockey) + 1000
    settle(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE dh_stats_sums SET n_runs = n_runs + 1000 "
                                   f"WHERE family = 'jockey' AND id = '{jockey}'")
        world.touch(connection, schema.ra_mst_runners, ran, position=None, position_raw="UR")
    assert _full_equals_incremental(engine, next_day).incremental


def test_a_non_runner_changes_the_each_way_places_of_the_others(world: World) -> None:
    """Eight starters pay three places, seven pay two: when an unplaced runner turns out to have
    been a non-runner, the third's each-way place goes although its own row did not change."""
    engine = world.engine
    runners = schema.ra_mst_runners
    started = (runners.c.is_non_runner.is_(False)) & runners.c.position_raw.is_not(None)
    with engine.connect() as connection:
        eights = select(runners.c.race_id).where(started).group_by(runners.c.race_id).having(func.count() == 8)
        race = connection.execute(select(runners.c.race_id).where(runners.c.race_id.in_(eights), runners.c.position == 3)
                                  .order_by(runners.c.race_id).limit(1)).scalar_one()
        third_jockey = connection.execute(select(runners.c.jockey_id)
                                          .where(runners.c.race_id == race, runners.c.position == 3)).scalar_one()
        unplaced = connection.execute(select(runners.c.id).where(
            runners.c.race_id == race, started, runners.c.jockey_id != third_jockey,
            (runners.c.position > 3) | runners.c.position.is_(None)).limit(1)).scalar_one()
        before = connection.execute(select(schema.ra_mst_jockeys.c.ew_places)
                                    .where(schema.ra_mst_jockeys.c.id == third_jockey)).scalar_one()
    with engine.begin() as connection:
        world.touch(connection, runners, unplaced, position=None, position_raw="NR", is_non_runner=True)
    assert _full_equals_incremental(engine, LAST).incremental
    with engine.connect() as connection:
        after = connection.execute(select(schema.ra_mst_jockeys.c.ew_places)
                                   .where(schema.ra_mst_jockeys.c.id == third_jockey)).scalar_one()
    assert after == before - 1
