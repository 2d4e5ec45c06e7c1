"""The CLI shell: version, help everywhere, and one-line errors with exit code 2 for bad databases."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from darkhorses import __version__
from darkhorses.cli import app

runner = CliRunner()


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(_all_commands(command, (*prefix, name)))
    return found


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"darkhorses {__version__}"


@pytest.mark.parametrize("path", _all_commands(get_command(app)))  # type: ignore[arg-type]
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    command = get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert (command.help or "").strip(), f"darkhorses {' '.join(path)} has no help text"
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user@localhost/db", "unsupported scheme 'mysql'"),
        ("::not a url", "is not a database URL"),
        ("postgresql://user:s3cretpw@127.0.0.1:1/db", "cannot open database"),
        ("sqlite:////nonexistent-dir/x.db", "directory /nonexistent-dir does not exist"),
        ("sqlite:////proc/darkhorses.db", "cannot open database"),
    ],
)
def test_bad_database_url_is_one_line_and_exit_2(url: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert message in lines[0]
    assert "s3cretpw" not in result.stderr + result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_file_that_is_not_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are not the bytes of a database" * 100)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 2
    assert "file is not a database" in result.stderr


def test_invalid_setting_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RACING_API_PLAN", "gold")
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid setting RACING_API_PLAN")


def test_downgrade_needs_confirmation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    refused = runner.invoke(app, ["db", "downgrade", "base"])
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    done = runner.invoke(app, ["db", "downgrade", "base", "--yes"])
    assert done.exit_code == 0 and "base (empty)" in done.stdout


def test_inventory_json_lists_every_column_with_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["inventory", "--json", str(out)])
    assert result.exit_code == 0, result.stderr
    report = json.loads(out.read_text())
    runners = next(t for t in report["tables"] if t["name"] == "ra_mst_runners")
    assert runners["rows"] == 0
    position = next(c for c in runners["columns"] if c["name"] == "position_raw")
    assert position["source"] == "api" and position["api_field"] == "results[].runners[].position"
    assert all(c["source"] for t in report["tables"] for c in t["columns"])
    assert report["column_count"] == sum(len(t["columns"]) for t in report["tables"])


def test_db_digest_is_equal_for_equal_data_and_refuses_unknown_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    digests = []
    for name in ("a.db", "b.db"):
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / name}")
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        result = runner.invoke(app, ["db", "digest", "--json", "--table", "ra_mst_courses"])
        assert result.exit_code == 0, result.stderr
        digests.append(json.loads(result.stdout))
    assert digests[0] == digests[1] and digests[0]["ra_mst_courses"]["rows"] == 0
    refused = runner.invoke(app, ["db", "digest", "--table", "ra_nothing"])
    assert refused.exit_code == 2 and "unknown table 'ra_nothing'" in refused.stderr


@pytest.mark.parametrize("path", _all_commands(get_command(app)))  # type: ignore[arg-type]
def test_help_ends_with_examples_and_shows_flags_plainly(path: tuple[str, ...]) -> None:
    """Issue 15: on/off flags read --flag / --no-flag (no type column), and every help ends with examples."""
    result = runner.invoke(app, [*path, "--help"], terminal_width=200)
    text = result.stdout
    assert "<bool>" not in text
    lines = text.rstrip().splitlines()
    examples = lines[lines.index("  Examples:") + 2:] if "  Examples:" in lines else []
    assert 1 <= len(examples) <= 2 and all(line.strip().startswith(("darkhorses", "DATABASE_URL=")) for line in examples), text


@pytest.mark.parametrize("path", [("fetch",), ("db",), ("db", "upgrade")])
def test_fetch_and_db_help_name_the_settings(path: tuple[str, ...]) -> None:
    text = runner.invoke(app, [*path, "--help"], terminal_width=200).stdout
    for name in ("DATABASE_URL", "RACING_API_USERNAME", "RACING_API_PASSWORD"):
        assert name in text


def test_simulate_help_shows_on_off_flags() -> None:
    assert "--history-addon / --no-history-addon" in runner.invoke(app, ["simulate", "--help"], terminal_width=200).stdout


@pytest.mark.parametrize("args", [
    ["fetch", "--mode", "manual", "--tables", "racecards", "ra_nonsense", "--days-back", "1"],
    ["fetch", "--mode", "manual", "--table", "racecards", "--table", "ra_nonsense", "--days-back", "1"],
    ["fetch", "--mode", "manual", "--days-back", "1", "--table", "ra_nonsense"],
    ["populate", "--tables", "ra_mst_sires", "ra_nonsense"],
    ["populate", "--table", "ra_mst_sires", "-t", "ra_nonsense"],
])
def test_list_options_take_spaced_values_and_the_singular_alias(args: list[str], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The earlier controller's forms: --table X, and --tables A B C as well as the flag repeated."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "unknown table 'ra_nonsense'" in result.stderr, result.stdout + result.stderr
    assert not (tmp_path / "x.db").exists()


def test_populate_refuses_a_database_that_does_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'typo.db'}")
    result = runner.invoke(app, ["populate"])
    assert result.exit_code == 2
    assert result.stderr == f"error: no database at {tmp_path / 'typo.db'}; create one with `darkhorses db upgrade` (or try `darkhorses demo`)\n"
    assert not (tmp_path / "typo.db").exists()


def test_simulate_prints_the_credentials_it_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    import darkhorses.simulator

    served: list[object] = []
    monkeypatch.setattr(darkhorses.simulator, "serve_forever", lambda *args: served.append(args))
    result = runner.invoke(app, ["simulate", "--port", "9001", "--username", "me", "--password", "pw"])
    assert result.exit_code == 0 and len(served) == 1
    assert result.stdout.splitlines()[1:] == [
        "It accepts username 'me' and password 'pw'; point DarkHorses at it with",
        "  RACING_API_BASE_URL=http://127.0.0.1:9001 RACING_API_USERNAME=me RACING_API_PASSWORD=pw"]
