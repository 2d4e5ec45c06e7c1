"""World objects to API bodies, in either dialect.

``2026`` follows OpenAPI v1.4.3: a missing value of a nullable field is ``null``, and racecards
carry ``race_status`` and result runners ``bsp``. ``2025`` is what the recorded bodies show:
``""`` instead of ``null`` and neither of the two newer fields. Required non-nullable strings are
``""`` (or ``"-"``/``"–"`` for ratings) in both.

Both dialects also carry the habits of real bodies (:mod:`~darkhorses.simulator.habits`): 2025
markers in some 2026 bodies, ``"None"`` strings, results that blank ratings, unknown fields.

Words (comments, spotlights, verdicts) and bookmaker prices come from a stream keyed by the
race, so they are stable but cost nothing until a racecard is actually rendered.
"""

from __future__ import annotations

import datetime as dt
import random
from json.encoder import encode_basestring
from typing import Any

from darkhorses.simulator.contract import encode
from darkhorses.simulator.courses import CURRENCY
from darkhorses.simulator.day import Entry, Race
from darkhorses.simulator.habits import Habits, marker_dialect, race_habits
from darkhorses.simulator.population import Horse, Identity, Population
from darkhorses.simulator.racing import (
    BOOKMAKERS, EXCHANGE, LADDER, LADDER_DECIMAL_TEXT, LADDER_FRACTION_TEXT, METRES_PER_YARD,
    YARDS_PER_FURLONG, distance_text, fraction_text, lengths_text, money_text, odds_decimal_text,
    race_time_text, result_prize_text, round_distance_text, sp_decimal, sp_decimal_text, stones_text, tote_text,
    twelve_hour, winning_time_detail)
from darkhorses.simulator.rng import pick, stream

Body = dict[str, Any]
DASH = "-"
EN_DASH = "\u2013"

_RUN_STYLES = ("Held up in rear", "Led", "Prominent", "Midfield", "Tracked leaders", "Slowly away",
               "In touch with leaders", "Took keen hold", "Towards rear", "Chased leaders")
_MIDDLE = ("headway over 2f out", "pushed along over 3f out", "ridden 2f out", "no extra final furlong",
           "outpaced halfway", "went second over 1f out", "not clear run over 1f out")
_FINISH = {"1": "led inside final furlong - ran on well", "2": "kept on well - just held",
           "3": "kept on same pace", "other": "weakened inside final furlong"}
_NON_FINISH = {"PU": "pulled up", "F": "fell", "UR": "unseated rider", "BD": "brought down",
               "RO": "ran out", "DSQ": "disqualified"}
_SPOTLIGHT = ("{name} ran well last time and is of obvious interest.",
              "{name} has been consistent this season; the trip suits.",
              "{name} returns from a break and may need this.",
              "{name} is well treated on old form but has questions to answer.",
              "{name} is lightly raced and open to improvement.")
_STEWARDS = ("Stewards' Enquiry: {jockey} two-day ban: used whip above the permitted level",
             "Stewards' Enquiry: {jockey} caution: careless riding",
             "The Stewards held an enquiry into interference approaching the final furlong; "
             "the placings remain unaltered",
             "{horse} was routinely tested",
             "Vet reported {horse} lost a shoe")
_STABLE = ("We think a lot of him and he has done nothing wrong at home.",
           "She needs decent ground and we will look for a race like this.",
           "He has strengthened up over the summer and should progress.")


def _missing(dialect: str) -> str | None:
    return None if dialect == "2026" else ""


def _or_missing(value: str, dialect: str) -> str | None:
    return value if value else _missing(dialect)


def _rating(value: int | None, missing: str) -> str:
    return missing if value is None else str(value)


def _pedigree(pop: Population, horse: Horse) -> tuple[Identity | None, Identity | None, Identity | None]:
    """Sire, dam and damsire as pedigrees show them (identities are far cheaper than horses)."""
    identity = pop.identity
    sire = identity(horse.sire) if horse.sire is not None else None
    dam = identity(horse.dam) if horse.dam is not None else None
    damsire = identity(dam.sire) if dam is not None and dam.sire is not None else None
    return sire, dam, damsire


def _off_dt(race: Race) -> str:
    return race.off.isoformat()


# -- racecards -----------------------------------------------------------------------------------

def racecard_pro(pop: Population, race: Race, dialect: str) -> bytes:
    """A ``RacecardOddsPro`` object as compact JSON: every field of the vendor schema.

    The prices are most of a racecard day (~12,000 of them), so they are written as JSON text,
    like result bodies (see below), and spliced into each runner's dumped object, as the runners
    are into the race's: the bytes are those of dumping the whole object (a test checks it), in
    two thirds of the time."""
    sent_as, dialect = dialect, marker_dialect(pop.seed, race.race_id, dialect)
    m = _missing(dialect)
    rng = stream(pop.seed, "text", race.race_id)
    domestic = race.course.domestic
    entries = race.entries
    starters = [e for e in entries if e.non_runner is None]
    forecast = sorted(starters, key=lambda e: (e.step, e.number))
    tip = forecast[0].horse.name if domestic and forecast else ""
    body: Body = {
        "race_id": race.race_id,
        "course": race.course.name,
        "course_id": race.course.id,
        "date": race.date.isoformat(),
        "off_time": twelve_hour(race.off.hour, race.off.minute),
        "off_dt": _off_dt(race),
        "race_name": race.name,
        "distance_round": round_distance_text(round(race.yards / YARDS_PER_FURLONG)),
        "distance": distance_text(race.yards),
        "distance_f": f"{round(race.yards / YARDS_PER_FURLONG * 2) / 2:.1f}",
        "region": race.region,
        "pattern": race.pattern,
        "sex_restriction": _or_missing(race.sex_restriction, dialect),
        "race_class": f"Class {race.race_class}" if race.race_class else "",
        "type": race.race_type,
        "age_band": race.age_band,
        "rating_band": race.rating_band,
        "prize": money_text(race.prize, CURRENCY[race.region]),
        "field_size": str(len(starters)),
        "going_detailed": _or_missing(race.going_detailed, dialect),
        "rail_movements": _or_missing("Rail movements added 12yds to the race distance"
                                      if domestic and rng.random() < 0.1 else "", dialect),
        "stalls": _or_missing(rng.choice(("Inside", "Centre", "Outside", "Far Side", "Stands' Side"))
                              if race.race_type == "Flat" and domestic else "", dialect),
        "weather": _or_missing(rng.choice(("Dry", "Overcast", "Light rain", "Sunny", "Showers"))
                               if domestic and rng.random() < 0.5 else "", dialect),
        "going": race.going,
        "surface": race.surface,
        "jumps": _or_missing(_jumps_text(race), dialect),
        "runners": [],
        "big_race": race.big_race,
        "is_abandoned": race.abandoned,
        "tip": _or_missing(tip, dialect),
        "verdict": _or_missing(f"{tip.upper()} looks the one to beat on the pick of the recent form."
                               if tip else "", dialect),
        "betting_forecast": _or_missing(", ".join(
            f"{fraction_text(e.step)} {e.horse.name}" for e in forecast[:8]) if domestic else "", dialect),
    }
    if sent_as == "2026":
        body["race_status"] = "Abandoned" if race.abandoned else m
    runners = b",".join(_runner_pro(pop, race, e, rng, dialect) for e in entries)
    return encode(body).replace(b'"runners":[]', b'"runners":[' + runners + b"]", 1)


def _jumps_text(race: Race) -> str:
    furlongs = race.yards / YARDS_PER_FURLONG
    if race.race_type == "Hurdle":
        return f"{int(furlongs // 2)} hurdles"
    if race.race_type == "Chase":
        return f"{round(furlongs * 0.6)} fences"
    return ""


def _runner_pro(pop: Population, race: Race, e: Entry, rng: random.Random, dialect: str) -> bytes:
    horse = e.horse
    sire, dam, damsire = _pedigree(pop, horse)
    sex, sex_code = horse.sex_on(race.date.year)
    domestic = race.course.domestic
    runs = rng.randint(0, 40)
    wins = rng.randint(0, runs // 3) if runs else 0
    last_run = rng.randint(7, 400)
    body: Body = {
        "horse_id": horse.id,
        "horse": horse.name,
        "dob": horse.dob.isoformat(),
        "age": str(e.age),
        "sex": sex,
        "sex_code": sex_code,
        "colour": horse.colour,
        "region": horse.breed_region,
        "breeder": horse.breeder,
        "dam": dam.name if dam else "",
        "dam_id": f"dam_{dam.num}" if dam else "",
        "dam_region": _or_missing(dam.breed_region if dam else "", dialect),
        "sire": sire.name if sire else "",
        "sire_id": f"sir_{sire.num}" if sire else "",
        "sire_region": _or_missing(sire.breed_region if sire else "", dialect),
        "damsire": damsire.name if damsire else "",
        "damsire_id": f"dsi_{damsire.num}" if damsire else "",
        "damsire_region": _or_missing(damsire.breed_region if damsire else "", dialect),
        "trainer": e.trainer.name,
        "trainer_id": e.trainer.id,
        "trainer_location": _or_missing(e.trainer.location, dialect),
        "trainer_14_days": {"runs": str(runs), "wins": str(wins),
                            "percent": str(round(100 * wins / runs)) if runs else "None"},
        "owner": e.owner.name,
        "owner_id": e.owner.id,
        "prev_trainers": [{"trainer": p.name, "trainer_id": p.id, "change_date": d.isoformat()}
                          for d, p in e.prev_trainers],
        "prev_owners": [{"owner": p.name, "owner_id": p.id, "change_date": d.isoformat()}
                        for d, p in e.prev_owners],
        "comment": _or_missing(rng.choice(_SPOTLIGHT).format(name=horse.name) if domestic else "", dialect),
        "spotlight": _or_missing(rng.choice(_SPOTLIGHT).format(name=horse.name) + " " +
                                 rng.choice(_SPOTLIGHT).format(name="The trainer's runner")
                                 if domestic else "", dialect),
        "quotes": _quotes(race, e, rng) if domestic and rng.random() < 0.05 else [],
        "stable_tour": [{"quote": rng.choice(_STABLE)}] if domestic and rng.random() < 0.05 else [],
        "medical": ([{"date": (race.date - dt.timedelta(days=rng.randint(30, 600))).isoformat(),
                      "type": rng.choice(("Wind Surgery", "Tie-back", "Hobday"))}]
                    if rng.random() < 0.03 else []),
        "number": "NR" if e.non_runner else str(e.number),
        "draw": str(e.draw),
        "headgear": _or_missing(horse.headgear, dialect),
        "headgear_run": _or_missing("1" if horse.headgear and rng.random() < 0.1 else "", dialect),
        **_wind_surgery(rng, dialect),
        "past_results_flags": [],
        "lbs": str(e.lbs),
        "ofr": _rating(e.ofr, DASH),
        "rpr": _rating(e.rpr, DASH),
        "ts": _rating(e.ts, DASH),
        "jockey": e.jockey.name + (f"({e.claim})" if e.claim else ""),
        "jockey_id": e.jockey.id,
        "silk_url": f"https://silks.darkhorses.invalid/{e.owner.id}.svg",
        "last_run": str(last_run),
        "form": _or_missing(_form(rng, e, race), dialect),
        "trainer_rtf": _or_missing(str(rng.randint(0, 80)) if domestic else "", dialect),
    }
    odds = _odds(race, e, rng) if domestic else "[]"
    return encode(body)[:-1] + b',"odds":' + odds.encode("utf-8") + b"}"


def _wind_surgery(rng: random.Random, dialect: str) -> Body:
    """A few runners are having one of their first runs since a wind operation: ``"w"`` and the
    run since it (``"1"`` first time out), as real racecards mark them; everyone else is missing."""
    if rng.random() >= 0.05:
        return {"wind_surgery": _missing(dialect), "wind_surgery_run": _missing(dialect)}
    return {"wind_surgery": "w", "wind_surgery_run": str(1 + int(3 * rng.random() ** 2))}


def _race_comments(race: Race, runners: list[Entry], rng: random.Random, dialect: str) -> str | None:
    """The stewards' and vets' notes some UK and Irish results carry; missing for most races."""
    if not runners or not race.course.domestic or rng.random() >= 0.1:
        return _missing(dialect)
    e = runners[int(rng.random() * len(runners))]
    return _STEWARDS[int(rng.random() * len(_STEWARDS))].format(jockey=e.jockey.name, horse=e.horse.name)


def _form(rng: random.Random, e: Entry, race: Race) -> str:
    if e.age <= e.horse.first_age and rng.random() < 0.4:
        return ""
    chars = "1234567890" + ("PFU" if race.race_type in ("Hurdle", "Chase") else "")
    figures = "".join(rng.choice(chars) for _ in range(rng.randint(1, 6)))
    cut = rng.randrange(len(figures) + 1)
    return figures[:cut] + ("-" if 0 < cut < len(figures) else "") + figures[cut:]


def _quotes(race: Race, e: Entry, rng: random.Random) -> list[Body]:
    return [{
        "date": (race.date - dt.timedelta(days=rng.randint(10, 200))).isoformat(),
        "horse": e.horse.name, "horse_id": e.horse.id, "race": race.name, "race_id": race.race_id,
        "course": race.course.name, "course_id": race.course.id,
        "distance_f": f"{race.yards // YARDS_PER_FURLONG}", "distance_y": str(race.yards),
        "quote": f'"{rng.choice(_STABLE)}" - {e.trainer.name}, trainer',
    }]


def _each_way(race: Race, runners: int) -> tuple[str, str]:
    if runners >= 16 and race.handicap:
        return "4", "4"
    if runners >= 8:
        return "3", "5"
    if runners >= 5:
        return "2", "4"
    return "1", "1"


def _odds(race: Race, e: Entry, rng: random.Random) -> str:
    """~25 bookmakers around the runner's price, updated shortly before the off, as JSON text."""
    base = e.step
    updated = (race.off - dt.timedelta(minutes=rng.randint(1, 20))).strftime("%Y-%m-%d %H:%M:%S")
    places, denom = _each_way(race, len(race.entries))
    each_way_and_time = f'"ew_places":"{places}","ew_denom":"{denom}","updated":"{updated}","history":[]}}'
    top = len(LADDER) - 1
    out = []
    for bookmaker in BOOKMAKERS:
        if bookmaker == EXCHANGE:
            price = odds_decimal_text(sp_decimal(e.step) * (1.02 + 0.1 * rng.random()))
            out.append(f'{_PRICE_OF[bookmaker]}"{price}","decimal":"{price}","ew_places":"","ew_denom":"",'
                       f'"updated":"{updated}","history":[]}}')
            continue
        roll = rng.random()
        i = min(top, max(0, base + (-1 if roll < 0.2 else 1 if roll > 0.75 else 0)))
        out.append(f"{_PRICE_OF[bookmaker]}{_LADDER_PRICES[i]},{each_way_and_time}")
    return f"[{','.join(out)}]"


_PRICE_OF = {bookmaker: f'{{"bookmaker":{encode_basestring(bookmaker)},"fractional":' for bookmaker in BOOKMAKERS}
"""Each price object's opening, up to its fractional price."""
_LADDER_PRICES = [f'"{fraction}","decimal":"{decimal}"' for fraction, decimal in
                  zip(LADDER_FRACTION_TEXT, LADDER_DECIMAL_TEXT)]
"""A ladder step's fractional and decimal prices as JSON (our own texts: nothing to escape)."""


# -- results ------------------------------------------------------------------------------------------
#
# Result bodies are the hot path of a fresh results page (about 500 runners of 35 fields a day),
# so they are written straight as JSON text (f-strings, the cheapest way Python joins many
# pieces) instead of being built as dicts and dumped. Texts (names, comments) go through
# ``encode_basestring``, the very escaper ``json.dumps(..., ensure_ascii=False)`` uses; the other
# strings are ids, codes and numbers written by our own formatters, with nothing to escape, and go
# between quotes as they are. So the bytes are those
# :func:`~darkhorses.simulator.contract.encode` gives for the same object (a test checks it).


def _json_text(value: str | None) -> str:
    """A nullable string field as JSON."""
    return "null" if value is None else encode_basestring(value)


def result(pop: Population, race: Race, dialect: str) -> bytes:
    """A ``Result``/``ResultStandard`` object as JSON: the race as run, runners in finishing order."""
    rng = stream(pop.seed, "result-text", race.race_id)
    habits = race_habits(pop.seed, race.race_id)
    sent_as, dialect = dialect, marker_dialect(pop.seed, race.race_id, dialect)
    region = race.region
    runners = race.runners
    furlongs = round(race.yards / YARDS_PER_FURLONG)
    runner_texts = ",".join([_result_runner(pop, race, e, rng, sent_as, habits) for e in runners])
    tote = (_tote(race, runners, rng, CURRENCY[region], dialect) if race.course.domestic else
            (_missing(dialect),) * 6)
    tote_win, tote_pl, tote_ex, tote_csf, tote_tricast, tote_trifecta = map(_json_text, tote)
    quote = encode_basestring
    comments = _json_text(_race_comments(race, runners, rng, dialect))
    course = race.course
    race_class = f"Class {race.race_class}" if race.race_class else ""
    jumps = _json_text(_or_missing(_jumps_text(race), dialect))
    non_runners = _json_text(_or_missing(", ".join(f"{e.horse.name} ({e.non_runner})"
                                                   for e in race.entries if e.non_runner), dialect))
    text = (
        f'{{"race_id":{quote(race.race_id)},"date":"{race.date.isoformat()}","region":{quote(region)},'
        f'"course":{quote(course.result_name)},"course_id":{quote(course.id)},'
        f'"off":"{twelve_hour(race.off.hour, race.off.minute)}","off_dt":"{_off_dt(race)}",'
        f'"race_name":{quote(race.name)},"type":{quote(race.race_type)},"class":{quote(race_class)},'
        f'"pattern":{quote(race.pattern)},"rating_band":{quote(race.rating_band)},'
        f'"age_band":{quote(race.age_band)},"sex_rest":{quote(race.sex_restriction)},'
        f'"dist":"{round_distance_text(furlongs)}","dist_y":"{race.yards}",'
        f'"dist_m":"{round(race.yards * METRES_PER_YARD)}","dist_f":"{furlongs}f",'
        f'"going":{quote(race.going)},"surface":{quote(race.surface)},"jumps":{jumps},'
        f'"runners":[{runner_texts}],'
        f'"winning_time_detail":"{winning_time_detail(race.winning_time, race.standard_time)}",'
        f'"comments":{comments},"non_runners":{non_runners},'
        f'"tote_win":{tote_win},"tote_pl":{tote_pl},"tote_ex":{tote_ex},"tote_csf":{tote_csf},'
        f'"tote_tricast":{tote_tricast},"tote_trifecta":{tote_trifecta}'
    )
    if habits.extra_fields:  # fields some mid-2025 bodies carried, outside the schema
        text += (f',"_id":"{race.race_id[4:]:0>24}","actual_off":"{twelve_hour(race.off.hour, race.off.minute)}",'
                 f'"ran":"{len(runners)}"')
    return (text + "}").encode("utf-8")


def _tote(race: Race, runners: list[Entry], rng: random.Random, symbol: str,
          dialect: str) -> tuple[str | None, ...]:
    """win, place, exacta, CSF, tricast and trifecta returns (missing where the pool did not pay)."""
    placed = [e for e in runners if e.position.isdigit()]
    decimals = [sp_decimal(e.step) for e in placed]
    places = 2 if len(runners) < 8 else 3 if len(runners) < 16 or not race.handicap else 4
    win = max(1.1, decimals[0] * rng.uniform(0.8, 1.4)) if decimals else 0.0

    def money(value: float) -> str:
        return tote_text(round(value, 1), symbol)

    exacta = win * decimals[1] * rng.uniform(0.5, 0.9) if len(decimals) > 1 else 0.0
    return (
        money(win) if decimals else _missing(dialect),
        " ".join(money(1 + (d - 1) / 4 * rng.uniform(0.7, 1.4)) for d in decimals[:places]) or _missing(dialect),
        money(exacta) if exacta else _missing(dialect),
        tote_text(round(exacta * 0.9, 2), symbol) if exacta else _missing(dialect),
        tote_text(round(exacta * decimals[2] * 0.6, 2), symbol)
        if race.handicap and len(runners) >= 8 and len(decimals) > 2 else _missing(dialect),
        money(exacta * decimals[2] * 0.7) if len(decimals) > 2 else _missing(dialect),
    )


def _result_runner(pop: Population, race: Race, e: Entry, rng: random.Random, dialect: str, habits: Habits) -> str:
    """One runner of a result as JSON text."""
    horse = e.horse
    sire, dam, damsire = _pedigree(pop, horse)
    position = e.position
    finished = position.isdigit()
    uniform = rng.random
    comment = (f"{pick(_RUN_STYLES, uniform())} - {pick(_MIDDLE, uniform())} - "
               f"{_FINISH.get(position, _FINISH['other'])}" if finished else
               f"{pick(_RUN_STYLES, uniform())} - {_NON_FINISH[position]}")
    if uniform() < 0.3:
        comment += f"(op {fraction_text(min(len(LADDER) - 1, e.step + 1))})"
    quote = encode_basestring
    jockey, trainer, owner = e.jockey, e.trainer, e.owner
    draw = e.draw if race.race_type == "Flat" else ""
    btn = lengths_text(e.btn) if finished and e.btn is not None else DASH
    ovr_btn = lengths_text(e.ovr_btn) if finished and e.ovr_btn is not None else DASH
    time = race_time_text(e.time) if finished and e.time is not None else DASH
    rated = finished and not habits.blanked_ratings
    rpr = _rating(e.race_rpr if rated else None, EN_DASH)
    tsr = _rating(e.tsr if rated else None, EN_DASH)
    prize = result_prize_text(e.prize, race.region) if e.prize else ""
    sire_name, sire_id = (quote(sire.display_name), f"sir_{sire.num}") if sire else ('""', "")
    dam_name, dam_id = (quote(dam.display_name), f"dam_{dam.num}") if dam else ('""', "")
    damsire_name, damsire_id = (quote(damsire.name), f"dsi_{damsire.num}") if damsire else ('""', "")
    text = (
        f'{{"horse_id":"{horse.id}","horse":{quote(horse.display_name)},"sp":"{fraction_text(e.step)}{e.fav}",'
        f'"sp_dec":"{sp_decimal_text(e.step)}","number":"{e.number}","position":"{position}","draw":"{draw}",'
        f'"btn":"{btn}","ovr_btn":"{ovr_btn}","age":"{e.age}","sex":"{horse.sex_on(race.date.year)[1]}",'
        f'"weight":"{stones_text(e.lbs)}","weight_lbs":"{e.lbs}","headgear":"{horse.headgear}","time":"{time}",'
        f'"or":"{_rating(e.ofr, EN_DASH)}","rpr":"{rpr}","tsr":"{tsr}","prize":"{prize}",'
        f'"jockey":{quote(jockey.name)},"jockey_claim_lbs":"{e.claim}","jockey_id":"{jockey.id}",'
        f'"trainer":{quote(trainer.name)},"trainer_id":"{trainer.id}","owner":{quote(owner.name)},'
        f'"owner_id":"{owner.id}","sire":{sire_name},"sire_id":"{sire_id}","dam":{dam_name},"dam_id":"{dam_id}",'
        f'"damsire":{damsire_name},"damsire_id":"{damsire_id}","comment":{quote(comment)},'
        f'"silk_url":"https://silks.darkhorses.invalid/{owner.id}.svg"'
    )
    if habits.extra_fields:
        grandsire = pop.identity(sire.sire) if sire is not None and sire.sire is not None else None
        text += (f',"grandsire":{quote(grandsire.display_name)},"grandsire_id":"gsi_{grandsire.num}"' if grandsire
                 else ',"grandsire":"","grandsire_id":""')
    if dialect == "2026":
        return f'{text},"bsp":{_json_text(f"{e.bsp:.2f}" if e.bsp is not None else None)}}}'
    return text + "}"


# -- horses -----------------------------------------------------------------------------------------

def horse_standard(pop: Population, horse: Horse) -> Body:
    """``/v1/horses/{id}/standard``: names with suffixes, except the damsire's (as recorded)."""
    sire, dam, damsire = _pedigree(pop, horse)
    return {
        "id": horse.id,
        "dam": dam.display_name if dam else "",
        "dam_id": f"dam_{dam.num}" if dam else "",
        "damsire": damsire.name if damsire else "",
        "damsire_id": f"dsi_{damsire.num}" if damsire else "",
        "name": horse.display_name,
        "sire": sire.display_name if sire else "",
        "sire_id": f"sir_{sire.num}" if sire else "",
    }


def horse_pro(pop: Population, horse: Horse, today: dt.date) -> Body:
    """``/v1/horses/{id}/pro``: ``id`` first, then keys in alphabetical order, as the API sends."""
    sire, dam, damsire = _pedigree(pop, horse)
    sex, sex_code = horse.sex_on(today.year)
    return {
        "id": horse.id,
        "breeder": horse.breeder,
        "colour": horse.colour,
        "colour_code": horse.colour_code,
        "dam": dam.display_name if dam else "",
        "dam_id": f"dam_{dam.num}" if dam else "",
        "damsire": damsire.display_name if damsire else "",
        "damsire_id": f"dsi_{damsire.num}" if damsire else "",
        "dob": horse.dob.isoformat(),
        "name": horse.display_name,
        "sex": sex,
        "sex_code": sex_code,
        "sire": sire.display_name if sire else "",
        "sire_id": f"sir_{sire.num}" if sire else "",
    }
