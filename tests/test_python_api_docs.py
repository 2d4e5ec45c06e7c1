"""docs/python-api.md runs: every Python block of the page, in order, in one namespace, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"


def blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", PAGE.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_the_page_has_its_examples() -> None:
    found = blocks()
    assert len(found) >= 15
    first = found[0]
    assert "fetch(" in first and "dataframe(" in first
    assert len([line for line in first.splitlines() if line.strip()]) < 10  # two days to a DataFrame in under ten lines


def test_every_block_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, block in enumerate(blocks(), start=1):
        exec(compile(block, f"{PAGE.name} block {number}", "exec"), namespace)  # noqa: S102
    shown = capsys.readouterr().out
    assert "progeny_winners" in shown and "races on 2026-03-02" in shown
    assert "races to 2026-03-05 - results to 2026-03-02" in shown  # status after the daily run of 2026-03-02
    assert "after a downgrade to base: None" in shown and "Mon 01:00 GMT  daily" in shown
    assert (tmp_path / "results.parquet").exists() and (tmp_path / "racing.db").exists()
