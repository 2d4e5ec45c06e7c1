"""``darkhorses card`` on a demo-like database: 60 days of the simulated Irish world fetched through
the real pipeline, results up to D0 and racecards for D0 and the day after.

Every figure of every runner on both days is recomputed here independently: one plain query
reads the raw runner, race and result rows, and Python applies the definitions of
docs/statistics.md ("The racecard") to them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from darkhorses.cli import app
from darkhorses.config import Settings
from darkhorses.db.engine import make_engine
from darkhorses.db.migrate import open_for_writing
from darkhorses.ingest.controller import FetchOptions, run_fetch
from darkhorses.ops.card import Card, CardRunner, Record, build_card, jockey_claim
from darkhorses.parse import parse_last_run
from darkhorses.racing_api.limiter import RateLimiter, RateLimits
from darkhorses.simulator import SimulatorConfig, create_app
from darkhorses.london import LONDON

D0 = dt.date(2025, 6, 1)
D1 = D0 + dt.timedelta(days=1)
HISTORY_DAYS = 60


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("card")
    config = SimulatorConfig(seed=5, today=D0, now=lambda: dt.datetime(2025, 6, 1, 23, tzinfo=LONDON))
    settings = Settings(racing_api_username="demo", racing_api_password="demo", racing_api_base_url="http://sim",
                        racing_api_plan="pro", racing_api_history_addon=True, database_url=f"sqlite:///{tmp / 'demo.db'}",
                        log_dir=tmp / "logs", archive_dir=tmp / "archive", archive_enabled=False, regions=["ire"])
    engine = open_for_writing(settings.database_url)
    options = FetchOptions(mode="manual", tables=("racecards", "results"),
                           start_date=D0 - dt.timedelta(days=HISTORY_DAYS), end_date=D1)
    report, _ = asyncio.run(run_fetch(settings, options, engine=engine,
                                      transport=httpx.ASGITransport(app=create_app(config)),
                                      limiter=RateLimiter(RateLimits.unlimited()), today=D0))
    assert report.success
    engine.dispose()
    return tmp / "demo.db"


@pytest.fixture(scope="module")
def demo(demo_db: Path) -> Engine:
    return make_engine(f"sqlite:///{demo_db}")


# --------------------------------------------------------------------------- the independent computation

GOING_BANDS = {"hard": "firm", "firm": "firm", "good to firm": "firm", "good": "good", "good to yielding": "good",
               "good to soft": "soft", "yielding": "soft", "yielding to soft": "soft", "soft": "soft",
               "soft to heavy": "heavy", "heavy": "heavy"}

RAW = """
SELECT ru.id, ru.race_id, ru.horse_id, ru.jockey_id, ru.trainer_id, ru.position, ru.position_raw,
       ru.is_non_runner, ru.starting_price_decimal AS sp, ru.last_run,
       COALESCE(h.sire_id, ru.sire_id) AS sire_id, COALESCE(h.damsire_id, ru.damsire_id) AS damsire_id,
       ra.date, ra.course_id, ra.distance_y, ra.distance_f, ra.going, ra.surface, ra.type, ra.has_result,
       ra.is_abandoned, rr.rpr, rr.tsr
FROM ra_mst_runners ru JOIN ra_mst_races ra ON ra.id = ru.race_id
LEFT JOIN ra_mst_horses h ON h.id = ru.horse_id
LEFT JOIN ra_mst_race_results rr ON rr.race_id = ru.race_id AND rr.horse_id = ru.horse_id
"""


def _key(row: dict[str, Any]) -> int | None:
    yards = row["distance_y"] if row["distance_y"] is not None else (
        round(row["distance_f"] * 220) if row["distance_f"] is not None else None)
    return None if yards is None else (2 * yards + 110) // 220


def _band(key: int | None) -> str | None:
    if key is None:
        return None
    return "Sprint" if key <= 14 else "Mile" if key <= 18 else "Middle" if key <= 24 else "Staying"


def _going(row: dict[str, Any]) -> str | None:
    return GOING_BANDS.get((row["going"] or "").strip().lower())


def _is_run(row: dict[str, Any]) -> bool:
    raw = (row["position_raw"] or "").strip().upper() if row["position_raw"] is not None else None
    return bool(row["has_result"]) and not row["is_abandoned"] and not row["is_non_runner"] and raw is not None \
        and (row["position"] is not None or raw not in {"", "NR", "VOI", "VOID"})


def _record(runs: list[dict[str, Any]]) -> tuple[int, int, float | None, float | None]:
    wins = sum(1 for r in runs if r["position"] == 1)
    priced = [r for r in runs if r["sp"] is not None and r["sp"] > 1]
    expected = sum(1 / r["sp"] for r in priced)
    ae = sum(1 for r in priced if r["position"] == 1) / expected if priced else None
    return len(runs), wins, (100 * wins / len(runs) if runs else None), ae


def _same(ours: Record, theirs: tuple[int, int, float | None, float | None], what: str) -> None:
    runs, wins, pct, ae = theirs
    assert (ours.runs, ours.wins) == (runs, wins), what
    assert (ours.win_pct is None) == (pct is None) and (pct is None or abs(ours.win_pct - pct) <= 0.005 + 1e-9), what
    assert (ours.ae is None) == (ae is None) and (ae is None or abs(ours.ae - ae) <= 0.0006), what


def _check_runner(runner: CardRunner, me: dict[str, Any], before: list[dict[str, Any]], day: dt.date,
                  best_price: float | None) -> None:
    key, band, going = _key(me), _band(_key(me)), _going(me)
    aw = (me["surface"] or "").upper() == "AW"
    mine = [r for r in before if r["horse_id"] == me["horse_id"]]
    won = [r for r in mine if r["position"] == 1]
    what = f"{runner.horse} in {me['race_id']}"
    assert runner.course_winner == any(r["course_id"] == me["course_id"] for r in won), what
    assert runner.distance_winner == any(_key(r) == key for r in won), what
    assert runner.course_distance_winner == any(r["course_id"] == me["course_id"] and _key(r) == key for r in won), what
    if mine:
        assert runner.days_since_last_run == (day - max(r["date"] for r in mine)).days, what
    else:
        last = parse_last_run(me["last_run"])
        assert runner.days_since_last_run == (last.days if last else None), what
    at_going = [r for r in mine if (_going(r) == going if going else aw and (r["surface"] or "").upper() == "AW")]
    _same(runner.going, _record(at_going), f"going: {what}")
    _same(runner.distance_band, _record([r for r in mine if _band(_key(r)) == band]), f"band: {what}")
    recent = [r for r in before if (day - r["date"]).days <= 14]
    _same(runner.jockey_14_days, _record([r for r in recent if r["jockey_id"] == me["jockey_id"]]), f"jockey: {what}")
    _same(runner.trainer_14_days, _record([r for r in recent if r["trainer_id"] == me["trainer_id"]]),
          f"trainer: {what}")
    _same(runner.jockey_trainer, _record([r for r in before if (r["jockey_id"], r["trainer_id"]) ==
                                          (me["jockey_id"], me["trainer_id"])]), f"combination: {what}")
    for record, parent in ((runner.sire_type_band, "sire_id"), (runner.damsire_type_band, "damsire_id")):
        progeny = [r for r in before if r[parent] == me[parent] and r["type"] == me["type"] and _band(_key(r)) == band]
        _same(record, _record(progeny), f"{parent}: {what}")
    rprs = [r["rpr"] for r in mine if r["rpr"] is not None]
    tss = [r["tsr"] for r in mine if r["tsr"] is not None]
    assert (runner.best_rpr, runner.best_ts) == (max(rprs, default=None), max(tss, default=None)), what
    assert (runner.best_price.decimal if runner.best_price else None) == best_price, what


def _independent_check(engine: Engine, card: Card) -> dict[str, int]:
    with engine.connect() as connection:
        rows = [dict(r) for r in connection.execute(text(RAW)).mappings()]
        prices = dict(((r.race_id, r.horse_id), r.best) for r in connection.execute(text(
            "SELECT race_id, horse_id, MAX(decimal_odds) AS best FROM ra_runner_odds GROUP BY race_id, horse_id")))
    for row in rows:
        row["date"] = dt.date.fromisoformat(row["date"])
    before = [r for r in rows if r["date"] < card.date and _is_run(r)]
    by_id = {r["id"]: r for r in rows}
    seen = {"runners": 0, "flags": 0, "going": 0, "band": 0, "jockey": 0, "combination": 0, "sire": 0, "damsire": 0,
            "rpr": 0, "price": 0}
    for race in card.races:
        for runner in race.runners:
            me = by_id[runner.runner_id]
            _check_runner(runner, me, before, card.date, prices.get((me["race_id"], me["horse_id"])))
            seen["runners"] += 1
            seen["flags"] += bool(runner.flags)
            for name, record in (("going", runner.going), ("band", runner.distance_band),
                                 ("jockey", runner.jockey_14_days), ("combination", runner.jockey_trainer),
                                 ("sire", runner.sire_type_band), ("damsire", runner.damsire_type_band)):
                seen[name] += record.wins > 0
            seen["rpr"] += runner.best_rpr is not None
            seen["price"] += runner.best_price is not None
    return seen


def test_every_figure_matches_an_independent_computation(demo: Engine) -> None:
    """Both days: D0's races are resulted (their own results must not count), D1's are declarations."""
    seen = [_independent_check(demo, build_card(demo, day)) for day in (D0, D1)]
    total = {name: sum(s[name] for s in seen) for name in seen[0]}
    # the comparison has teeth: every kind of figure is non-trivial for some runners
    assert total["runners"] > 150 and all(s["runners"] > 40 for s in seen)
    assert all(total[name] > 0 for name in ("going", "band", "jockey", "combination", "sire", "damsire", "rpr",
                                            "price")), total


def test_flags_are_found_somewhere(demo: Engine) -> None:
    flagged = [r.flags for day in (D0, D1) for race in build_card(demo, day).races for r in race.runners if r.flags]
    assert flagged and set(flagged) <= {"C", "D", "C D", "CD"}


def test_writing_the_result_of_the_day_changes_no_figure(demo_db: Path, tmp_path: Path) -> None:
    """Leakage: results written for the card's own day (here, invented ones that make every runner
    a winner at 2.0) leave every runner's figures unchanged."""
    copy = tmp_path / "copy.db"
    shutil.copy(demo_db, copy)
    engine = make_engine(f"sqlite:///{copy}")
    before = build_card(engine, D1)
    with engine.begin() as connection:
        connection.execute(text("UPDATE ra_mst_races SET has_result = 1 WHERE date = :d"), {"d": D1.isoformat()})
        written = connection.execute(text(
            "UPDATE ra_mst_runners SET position = 1, position_raw = '1', starting_price_decimal = 2.0 "
            "WHERE race_id IN (SELECT id FROM ra_mst_races WHERE date = :d)"), {"d": D1.isoformat()})
        assert written.rowcount > 100
    after = build_card(engine, D1)
    assert after == before
    engine.dispose()


def test_claim_from_result_or_racecard_name() -> None:
    assert [jockey_claim("Luke Scott(3)", None), jockey_claim("Luke Scott", 5), jockey_claim("A Rider", None)] == [
        3, 5, None]


# --------------------------------------------------------------------------- the command

runner = CliRunner()


@pytest.fixture
def use_demo(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{demo_db}")
    return lambda: None


def test_cli_json_is_the_card(demo: Engine, use_demo: Callable[[], None]) -> None:
    race = build_card(demo, D1).races[0]
    result = runner.invoke(app, ["card", "--date", D1.isoformat(), "--race", race.race_id, "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == build_card(demo, D1, race_id=race.race_id).to_json()
    shown = data["races"][0]
    assert (shown["race_id"], shown["off_time"], len(shown["runners"])) == (
        race.race_id, race.off_dt.astimezone(LONDON).strftime("%H:%M"), len(race.runners))
    assert set(shown["runners"][0]) >= {"number", "draw", "horse", "age", "weight_lbs", "official_rating", "jockey",
                                        "jockey_claim_lbs", "trainer", "form", "days_since_last_run", "flags",
                                        "going", "distance_band", "jockey_14_days", "trainer_14_days",
                                        "jockey_trainer", "sire_type_band", "damsire_type_band", "best_rpr",
                                        "best_ts", "best_price"}


def test_cli_table_and_course_filter(demo: Engine, use_demo: Callable[[], None],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    race = build_card(demo, D1).races[0]
    assert race.course is not None
    result = runner.invoke(app, ["card", "--date", D1.isoformat(), "--course", race.course[:4].upper()])
    assert result.exit_code == 0, result.stderr
    assert race.race_name in result.stdout and race.runners[0].horse in result.stdout
    assert f"figures as of {D1.isoformat()}" in result.stdout
    courses = {r.course for r in build_card(demo, D1, course=race.course[:4]).races}
    assert courses == {c for c in (r.course for r in build_card(demo, D1).races) if c and
                       c.lower().startswith(race.course[:4].lower())}


@pytest.mark.parametrize("args, code, message", [
    (["card", "--date", "2099-01-01"], 1, "no racecards stored for 2099-01-01"),
    (["card", "--date", D1.isoformat(), "--race", "rac_none"], 1, "for race rac_none"),
    (["card", "--date", "someday"], 2, "--date must be a date"),
])
def test_cli_says_what_is_missing(use_demo: Callable[[], None], args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code and message in result.stderr
