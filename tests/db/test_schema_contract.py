"""The schema keeps the compatibility contract that downstream apps read (tables.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Table, UniqueConstraint

from darkhorses.db.schema import metadata
from darkhorses.racing_api.endpoints import Endpoint

SPEC = json.loads((Path(__file__).parents[1] / "fixtures" / "spec" / "tables.json").read_text())
EXTRA_REQUIRED = {"ra_metadata_tracking", "ra_runner_supplementary", "ra_runner_odds"}
REQUIRED = sorted(name for name, t in SPEC.items() if t["status"].startswith("active") or name in EXTRA_REQUIRED)
EXTERNAL = sorted(name for name, t in SPEC.items() if t["status"].startswith("external"))


def test_spec_copy_lists_the_expected_number_of_required_tables() -> None:
    assert len(REQUIRED) == 26


@pytest.mark.parametrize("name", REQUIRED)
def test_every_contract_column_exists(name: str) -> None:
    table = metadata.tables.get(name)
    assert table is not None, f"{name} missing from schema.py"
    missing = [c["name"] for c in SPEC[name]["columns"] if c["name"] not in table.c]
    assert missing == []


@pytest.mark.parametrize("name", REQUIRED)
def test_primary_keys_follow_the_contract(name: str) -> None:
    assert [c.name for c in metadata.tables[name].primary_key] == SPEC[name]["primary_key"]


@pytest.mark.parametrize("name", EXTERNAL)
def test_tables_owned_by_the_odds_system_stay_out(name: str) -> None:
    assert name not in metadata.tables


def _unique_sets(table: Table) -> set[tuple[str, ...]]:
    sets = {tuple(c.name for c in con.columns) for con in table.constraints if isinstance(con, UniqueConstraint)}
    sets |= {(c.name,) for c in table.columns if c.unique}
    return sets


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ra_mst_runners", ("race_id", "horse_id")),
        ("ra_mst_race_results", ("race_id", "horse_id")),
        ("ra_mst_bookmakers", ("code",)),
        ("ra_runner_odds", ("race_id", "horse_id", "bookmaker_id")),
        ("ra_runner_statistics", ("runner_id",)),
        ("ra_lineage", ("runner_id", "lineage_path")),
        ("dh_work_units", ("job", "partition_key")),
    ],
)
def test_natural_keys_for_upserts(name: str, key: tuple[str, ...]) -> None:
    assert key in _unique_sets(metadata.tables[name])


def test_every_column_says_where_it_comes_from() -> None:
    for table in metadata.sorted_tables:
        for column in table.columns:
            info = column.info
            assert info.get("source") in {"api", "derived", "calculated", "system"}, f"{table.name}.{column.name}"
            assert info.get("populated_by"), f"{table.name}.{column.name} has no populated_by"
            assert all(isinstance(owner, Endpoint) for owner in info["owners"]), f"{table.name}.{column.name}"
            if info["source"] == "api" and info["owners"]:
                assert info.get("api_field"), f"{table.name}.{column.name}"


def test_contract_api_fields_are_mapped() -> None:
    """Every column the contract says the API fills names an endpoint and a field here too."""
    unmapped = []
    for name in REQUIRED:
        for spec_column in SPEC[name]["columns"]:
            if spec_column["source"] != "api" or not spec_column["api_field"]:
                continue
            info = metadata.tables[name].c[spec_column["name"]].info
            if not (info["owners"] and info.get("api_field")):
                unmapped.append(f"{name}.{spec_column['name']}")
    assert unmapped == []


@pytest.mark.parametrize(
    ("child", "column", "parent"),
    [
        ("ra_mst_runners", "race_id", "ra_mst_races"),
        ("ra_mst_runners", "horse_id", "ra_mst_horses"),
        ("ra_mst_runners", "jockey_id", "ra_mst_jockeys"),
        ("ra_mst_runners", "trainer_id", "ra_mst_trainers"),
        ("ra_mst_runners", "owner_id", "ra_mst_owners"),
        ("ra_mst_runners", "sire_id", "ra_mst_sires"),
        ("ra_mst_race_results", "race_id", "ra_mst_races"),
        ("ra_mst_races", "course_id", "ra_mst_courses"),
        ("ra_horse_pedigree", "horse_id", "ra_mst_horses"),
    ],
)
def test_foreign_keys(child: str, column: str, parent: str) -> None:
    targets = {fk.column.table.name for fk in metadata.tables[child].c[column].foreign_keys}
    assert targets == {parent}
