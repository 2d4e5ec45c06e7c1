"""Field-level fidelity: is every value the API sent for a mapped column stored?

The schema says, per column, which API field feeds it (``info["api_field"]``, for instance
``racecards[].runners[].rpr | results[].runners[].rpr``). This check reads payloads as the API sent
them (plain JSON, not through the models, so it does not share their mistakes), and for every field
value that is present (not one of :data:`darkhorses.parse.MISSING_TOKENS`, not ``null``, not an
empty list) looks in the stored row that value belongs to. The value is found when the row holds it
(parsed: ``"16.0"`` furlongs as 16, ``"Create (IRE)"`` as ``Create``, ``"G"`` as ``gelding``), when
the row keeps the raw text in the column's ``<column>_raw`` or ``<column>_str`` sibling
(``draw_raw`` ``"0"``, ``position_str`` ``"PU"``), when another payload's present value for the
same cell replaced it (a later going, a jockey changed after declarations): replaced is not lost,
or, for an endpoint that is only a fallback for the column (a result's rounded distance), when
the column holds any value.

A value is lost when none of these hold: a later payload's missing marker erased it, the row was
never written, or the transform does not write the field. :func:`check_fidelity` counts "values
present in payloads / values stored" per table; ``darkhorses status`` runs it on the raw archive of
the last run, and the tests run it on every recorded body and on simulator bodies.

Only columns that ingest writes are checked (statistics tables read the same fields later). Fields
inside nested arrays (odds, previous trainers) are not mapped by a plain path and are not checked;
nor are the few columns whose mapping is a computation rather than a field (the winner's time,
the number of starters).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.engine import Connection

from darkhorses import parse
from darkhorses.db.schema import metadata
from darkhorses.london import LONDON
from darkhorses.racing_api import endpoints as api
from darkhorses.racing_api.archive import read_archive

Payload = tuple[str, Any]
"""An endpoint template (``/v1/racecards/pro``) and its decoded JSON body."""

RACECARDS, RESULTS, COURSES, REGIONS = (e.template for e in (api.RACECARDS_PRO, api.RESULTS, api.COURSES, api.REGIONS))
"""Payloads are archived under their route templates, so this check works with those."""
_SOURCES = {"racecards": RACECARDS, "results": RESULTS, "courses": COURSES}
_SAME_SHAPE = {api.RACECARD_PRO.template: RACECARDS, api.RESULT.template: RESULTS}
"""Single-race routes, whose body is one item of the list route's."""
_FIELD = re.compile(
    r"(?:(?P<how>amount|lengths|seconds|yards|metres|currency|24-hour local time) of )?"
    r"(?:(?P<list>racecards|results|courses)\[\]\.(?P<runner>runners\[\]\.)?|(?P<pro>\(pro\) )|(?P<bare>\[\]\.))"
    r"(?P<name>\w+)(?: \(.*\))?"
)
"""One alternative of an ``api_field``: an optional conversion, then a plain path to a field."""

_ROW_KEYS: dict[str, tuple[str, ...]] = {
    "ra_mst_races": ("race_id",),
    "ra_mst_runners": ("race_id", "horse_id"),
    "ra_mst_race_results": ("race_id", "horse_id"),
    "ra_mst_horses": ("horse_id",),
    "ra_horse_pedigree": ("horse_id",),
    "ra_mst_jockeys": ("jockey_id",),
    "ra_mst_trainers": ("trainer_id",),
    "ra_mst_owners": ("owner_id",),
    "ra_mst_sires": ("sire_id",),
    "ra_mst_dams": ("dam_id",),
    "ra_mst_damsires": ("damsire_id",),
    "ra_mst_courses": ("id",),
    "ra_mst_regions": ("region_code",),
}
"""The payload fields that name a table's row, in the order of the table's natural key."""


@dataclass(frozen=True)
class _Mapping:
    table: str
    column: str
    endpoint: str
    runner: bool
    name: str
    how: str | None
    fallback: bool
    """The endpoint only fills the column where nothing is stored (``info["fallback"]``)."""


@lru_cache(maxsize=1)
def field_mappings() -> tuple[_Mapping, ...]:
    """Every (column, endpoint field) pair of the schema that this check can follow."""
    found = []
    for table in metadata.sorted_tables:
        if table.name not in _ROW_KEYS:
            continue
        for column in table.columns:
            writer = column.info.get("populated_by") or ""
            if not writer.startswith("ingest.") or not column.info.get("api_field"):
                continue
            for alternative in column.info["api_field"].split(" | "):
                match = _FIELD.fullmatch(alternative.strip())
                if match is None:
                    continue
                if match["pro"]:
                    endpoints: tuple[str, ...] = (api.HORSE_PRO.template, api.HORSE_STANDARD.template)
                else:
                    endpoints = (REGIONS,) if match["bare"] else (_SOURCES[match["list"]],)
                found.extend(_Mapping(table.name, column.name, endpoint, bool(match["runner"]), match["name"],
                                      match["how"], getattr(column.info.get("fallback"), "template", None) == endpoint)
                             for endpoint in endpoints)
    return tuple(found)


@dataclass(frozen=True)
class TableFidelity:
    """One table: values present in the payloads, how many of them are stored, and examples of
    the lost ones (``table[key].column: 'sent' -> stored``)."""

    table: str
    present: int
    stored: int
    lost_examples: tuple[str, ...] = ()

    @property
    def lost(self) -> int:
        return self.present - self.stored


@dataclass(frozen=True)
class FidelityReport:
    payloads: int
    tables: tuple[TableFidelity, ...] = field(default_factory=tuple)

    @property
    def present(self) -> int:
        return sum(t.present for t in self.tables)

    @property
    def stored(self) -> int:
        return sum(t.stored for t in self.tables)

    @property
    def lost(self) -> int:
        return self.present - self.stored


def _present(value: Any) -> bool:
    if value is None or isinstance(value, (list, dict)) and not value:
        return False
    if isinstance(value, (list, dict, bool)):
        return True
    return parse.blank(value) is not None


def _items(endpoint: str, body: Any) -> list[dict[str, Any]]:
    """The records of a body: race objects, courses, regions or one horse profile."""
    if endpoint in (RACECARDS, RESULTS):
        listed = body.get("racecards" if endpoint == RACECARDS else "results") if isinstance(body, dict) else None
        records = listed if isinstance(listed, list) else [body] if isinstance(body, dict) and "race_id" in body else []
    elif endpoint == COURSES:
        records = body.get("courses", []) if isinstance(body, dict) else []
    elif endpoint == REGIONS:
        records = body if isinstance(body, list) else []
    else:
        records = [{**body, "horse_id": body.get("id")}] if isinstance(body, dict) and body.get("id") else []
    return [record for record in records if isinstance(record, dict)]


_Cell = tuple[str, tuple[Any, ...], str]
"""(table, natural key, column)."""


def _row_key(table: str, context: Mapping[str, Any]) -> tuple[Any, ...] | None:
    key = []
    for name in _ROW_KEYS[table]:
        value = context.get(name)
        if not _present(value):
            return None
        key.append(parse.region_code(value) if table == "ra_mst_regions" else value)
    return tuple(key)


_Sent = tuple[Any, str | None, bool]
"""A raw value, its conversion, and whether its endpoint is only a fallback for the column."""


def _sent_values(payloads: Iterable[Payload]) -> tuple[int, dict[_Cell, list[_Sent]]]:
    """Every present mapped value of ``payloads`` by the cell it belongs to, in arrival order."""
    by_endpoint: dict[str, list[_Mapping]] = defaultdict(list)
    for mapping in field_mappings():
        by_endpoint[mapping.endpoint].append(mapping)
    cells: dict[_Cell, list[_Sent]] = defaultdict(list)
    count = 0
    for endpoint, body in payloads:
        count += 1
        endpoint = _SAME_SHAPE.get(endpoint, endpoint)
        mappings = by_endpoint.get(endpoint, [])
        for item in _items(endpoint, body):
            contexts = [(False, item)]
            runners = item.get("runners") if endpoint in (RACECARDS, RESULTS) else None
            if isinstance(runners, list):
                contexts += [(True, {**runner, "race_id": item.get("race_id")}) for runner in runners
                             if isinstance(runner, dict)]
            for is_runner, context in contexts:
                for mapping in mappings:
                    if mapping.runner != is_runner:
                        continue
                    value = context.get(mapping.name)
                    if not _present(value) or mapping.how == "currency" and not _currency(value):
                        continue  # a bare amount names no currency: the column's is inferred
                    key = _row_key(mapping.table, context)
                    if key is not None:
                        cells[(mapping.table, key, mapping.column)].append((value, mapping.how, mapping.fallback))
    return count, cells


def _numbers(raw: Any, how: str | None) -> list[float]:
    """The numbers a raw value may stand for, read as the column's conversion says."""
    if how == "amount":
        money = parse.parse_money(raw)
        candidates: list[Any] = [money.amount if money else None]
    elif how == "lengths":
        candidates = [parse.beaten_lengths(raw)]
    elif how == "seconds":
        candidates = [parse.race_time_seconds(raw)]
    elif how in ("yards", "metres"):
        yards = parse.distance_to_yards(raw)
        candidates = [yards if how == "yards" or yards is None else round(parse.yards_to_metres(yards))]
    else:
        candidates = [parse.to_decimal(raw), parse.to_furlongs(raw), parse.parse_age(raw), parse.decimal_odds(raw)]
    return [float(number) for number in candidates if number is not None]


def _currency(raw: Any) -> str | None:
    money = parse.parse_money(raw) if isinstance(raw, str) else None
    return money.currency if money else None


def _texts(raw: Any) -> set[str]:
    """The spellings of a raw text value the pipeline may store (lower case)."""
    text = str(raw).strip()
    forms = {text, re.sub(r"\s*\(\d+\)$", "", text)}
    split = parse.split_country_suffix(text)
    if split is not None:
        forms.add(split[0])
    word = parse.sex_word(text) if len(text) == 1 or text.lower() in parse.SEX_WORDS else None
    if word:
        forms |= {word, parse.SEX_WORDS[word]}
    return {form.casefold() for form in forms}


def matches(stored: Any, raw: Any, how: str | None = None) -> bool:
    """Whether the stored value is the API's raw value, as parsed for its column."""
    if stored is None:
        return False
    if how == "currency":
        return stored == _currency(raw)
    if how == "24-hour local time":
        moment = parse.parse_datetime(raw)
        return moment is not None and moment.astimezone(LONDON).time().replace(tzinfo=None) == stored
    if isinstance(stored, bool) or isinstance(raw, bool):
        return str(stored).lower() == str(raw).strip().lower()
    if isinstance(stored, (list, dict)):
        return bool(stored == raw)
    if isinstance(stored, datetime):
        return parse.parse_datetime(raw) == stored
    if isinstance(stored, date):
        return parse.parse_date(raw) == stored
    if isinstance(stored, (int, float, Decimal)):
        return any(abs(number - float(stored)) < 0.006 for number in _numbers(raw, how))
    if isinstance(raw, (list, dict)):
        return False
    return str(stored).strip().casefold() in _texts(raw)


def _stored_rows(connection: Connection, table_name: str, keys: set[tuple[Any, ...]]) -> dict[tuple[Any, ...], Mapping]:
    table = metadata.tables[table_name]
    columns = [table.c[name] for name in _natural_key(table_name)]
    rows: dict[tuple[Any, ...], Mapping] = {}
    ordered = sorted(keys, key=repr)
    for start in range(0, len(ordered), 400):
        chunk = ordered[start : start + 400]
        where = columns[0].in_([k[0] for k in chunk]) if len(columns) == 1 else tuple_(*columns).in_(chunk)
        for row in connection.execute(select(table).where(where)).mappings():
            rows[tuple(row[c.name] for c in columns)] = row
    return rows


def _natural_key(table_name: str) -> tuple[str, ...]:
    from darkhorses.db.upsert import conflict_key

    return conflict_key(metadata.tables[table_name])


def check_fidelity(connection: Connection, payloads: Iterable[Payload], *, examples: int = 5) -> FidelityReport:
    """Look up every present mapped value of ``payloads`` in the database (see the module notes)."""
    count, cells = _sent_values(payloads)
    keys: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for table, key, _ in cells:
        keys[table].add(key)
    rows = {table: _stored_rows(connection, table, wanted) for table, wanted in keys.items()}
    present: dict[str, int] = defaultdict(int)
    stored: dict[str, int] = defaultdict(int)
    lost: dict[str, list[str]] = defaultdict(list)
    for (table, key, column), sent in cells.items():
        row = rows[table].get(key)
        value = row[column] if row is not None else None
        kept_raw = {row[name] for name in (f"{column}_raw", f"{column}_str") if name in row} if row else set()
        cell_found = any(matches(value, raw, how) for raw, how, _ in sent)
        for raw, _, fallback in sent:
            present[table] += 1
            if cell_found or raw in kept_raw or fallback and value is not None:
                stored[table] += 1
            elif len(lost[table]) < examples:
                lost[table].append(f"{table}[{'/'.join(map(str, key))}].{column}: {raw!r} -> "
                                   f"{'no row' if row is None else repr(value)}")
    tables = tuple(TableFidelity(name, present[name], stored[name], tuple(lost[name])) for name in sorted(present))
    return FidelityReport(count, tables)


def archive_payloads(location: Path) -> Iterator[Payload]:
    """The successful bodies of a raw archive file or folder (``racing_api.archive``), decoded."""
    for record in read_archive(location):
        if record.status != 200:
            continue
        try:
            yield record.endpoint, json.loads(record.body)
        except ValueError:
            continue  # a truncated body: the fetch quarantined or retried it
