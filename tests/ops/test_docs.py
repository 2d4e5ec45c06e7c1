"""The generated table reference in ``docs/tables.md`` is current, and the user docs are linked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from darkhorses.cli import app
from darkhorses.db.schema import metadata
from darkhorses.ops.inventory import build_inventory, inventory_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_tables_md_is_generated_from_the_schema() -> None:
    committed = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    assert committed == inventory_markdown(build_inventory()), (
        "docs/tables.md is stale: run `darkhorses inventory --schema-only --markdown docs/tables.md`")


def test_the_markdown_has_every_table_and_column() -> None:
    text = inventory_markdown(build_inventory())
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == [t.name for t in metadata.sorted_tables]
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == sum(len(t.columns) for t in metadata.tables.values())
    off_dt = next(line for line in rows if line.startswith("| `off_dt` "))
    assert off_dt == ("| `off_dt` | TIMESTAMP WITH TIME ZONE | yes | api | /v1/racecards/pro \\| /v1/results | "
                      "racecards[].off_dt \\| results[].off_dt | ingest.racecards, ingest.results | 99% | keeps stored |")


def test_inventory_writes_the_markdown(tmp_path: Path) -> None:
    out = tmp_path / "tables.md"
    result = CliRunner().invoke(app, ["inventory", "--schema-only", "--markdown", str(out)])
    assert result.exit_code == 0 and f"wrote {out}" in result.stdout
    assert out.read_text(encoding="utf-8") == inventory_markdown(build_inventory())


@pytest.mark.parametrize("page", ["install", "first-backfill", "operations", "troubleshooting", "verification",
                                  "statistics", "tables", "supabase", "using-the-data", "python-api"])
def test_each_user_page_exists_and_the_readme_links_it(page: str) -> None:
    assert (ROOT / "docs" / f"{page}.md").is_file()
    assert f"(docs/{page}.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_relative_links_in_the_docs_resolve() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\((?!https?://|#)([^)#]+)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_the_verification_queries_run_on_both_engines(seeded: Engine) -> None:
    text = (ROOT / "docs" / "verification.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    statements = [s.strip() for block in blocks for s in block.split(";") if s.strip()]
    lines = [" ".join(line for line in s.splitlines() if not line.startswith("--")) for s in statements]
    assert len(lines) >= 10
    with seeded.connect() as connection:
        for statement in lines:
            connection.execute(sql_text(statement.replace("rac_...", "rac_past"))).all()
