"""Every deployment recipe in ``deploy/`` parses, and every ``darkhorses`` command it runs exists
with the options it passes (so a renamed command or flag breaks this test, not a user's server)."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.main import get_command

from darkhorses.cli import app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CLI = get_command(app)
INVOCATION = re.compile(r"(?:^|(?<=[\s\"'/]))darkhorses +([a-z][^&|;>\"'\n]*)")
"""``darkhorses <args>`` up to a shell separator or redirection (a path prefix is allowed)."""
CRON_LINE = re.compile(r"^(\S+\s+){5}\S.*$")
CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")


def _invocations(text: str) -> list[str]:
    return [match.strip() for match in INVOCATION.findall(text)]


def _strings(node: Any) -> Iterator[str]:
    """Every string in parsed YAML; a list of strings is also joined, as an exec-form command."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        if node and all(isinstance(item, str) for item in node):
            yield " ".join(node)
        for item in node:
            yield from _strings(item)


def _check_command(arguments: str) -> str:
    """Resolve ``fetch --mode daily`` against the CLI; fail on an unknown command or option."""
    words = shlex.split(arguments)
    command: Any = CLI
    path = []
    while hasattr(command, "commands"):  # a group (Typer ships its own click, so no isinstance)
        assert words, f"`darkhorses {arguments}` names no command"
        name = words.pop(0)
        assert name in command.commands, f"`darkhorses {arguments}`: no command {name!r}"
        command, path = command.commands[name], [*path, name]
    options = {opt: param for param in command.params for opt in param.opts if param.param_type_name == "option"}
    while words:
        word = words.pop(0)
        if word.startswith("-"):
            assert word in options, f"`darkhorses {arguments}`: {' '.join(path)} has no option {word}"
            if not options[word].is_flag:
                assert words, f"`darkhorses {arguments}`: {word} needs a value"
                words.pop(0)
    return " ".join(path)


def _commands_run(texts: list[str]) -> set[str]:
    found = [invocation for text in texts for invocation in _invocations(text)]
    assert found, "the recipe runs no darkhorses command"
    return {_check_command(invocation) for invocation in found}


def _uncommented(path: Path) -> str:
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#"))


def test_crontab_lines_parse_and_run_real_commands() -> None:
    lines = [line for line in _uncommented(DEPLOY / "cron" / "darkhorses.crontab").splitlines() if line.strip()]
    settings = [line for line in lines if re.match(r"^[A-Z_]+=", line)]
    jobs = [line for line in lines if line not in settings]
    assert {line.split("=")[0] for line in settings} == {"CRON_TZ", "SHELL", "MAILTO"}
    assert "CRON_TZ=Europe/London" in settings
    for job in jobs:
        assert CRON_LINE.match(job), job
        assert all(CRON_FIELD.match(field) for field in job.split()[:5]), job
    assert _commands_run(jobs) == {"fetch", "populate", "health"}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8"))
    return parser


def test_systemd_units_parse_and_run_real_commands() -> None:
    worker = _unit("darkhorses-worker.service")
    assert worker["Service"]["Type"] == "simple" and worker["Service"]["KillSignal"] == "SIGTERM"
    assert _commands_run([worker["Service"]["ExecStart"]]) == {"worker"}
    daily = _unit("darkhorses-daily.service")
    assert daily["Service"]["Type"] == "oneshot"
    assert _commands_run([daily["Service"]["ExecStart"], daily["Service"]["ExecStartPost"]]) == {"fetch", "populate"}
    dashboard = _unit("darkhorses-dashboard.service")
    assert dashboard["Service"]["Type"] == "simple" and dashboard["Install"]["WantedBy"] == "multi-user.target"
    assert _commands_run([dashboard["Service"]["ExecStart"]]) == {"serve"}
    timer = _unit("darkhorses-daily.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 01:00:00 Europe/London"
    assert timer["Timer"]["Persistent"] == "true" and timer["Install"]["WantedBy"] == "timers.target"


def test_dockerfile_instructions() -> None:
    text = _uncommented(DEPLOY / "Dockerfile").replace("\\\n", " ")
    instructions = [line.split(None, 1) for line in text.splitlines() if line.strip()]
    known = {"FROM", "ENV", "WORKDIR", "COPY", "RUN", "USER", "VOLUME", "HEALTHCHECK", "STOPSIGNAL", "CMD"}
    assert {keyword for keyword, _ in instructions} <= known
    assert instructions[0][0] == "FROM" and instructions[-1][0] == "CMD"
    exec_forms = [json.loads(rest[rest.index("["):]) for keyword, rest in instructions if keyword in {"CMD", "HEALTHCHECK"}]
    assert _commands_run([" ".join(form) for form in exec_forms]) == {"worker", "health"}
    sources = [source for keyword, rest in instructions if keyword == "COPY" for source in rest.split()[:-1]]
    assert sources and all((DEPLOY.parent / source).exists() for source in sources)


def test_compose_has_the_app_the_dashboard_and_postgres() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert set(compose["services"]) == {"app", "dashboard", "db"}
    assert compose["services"]["db"]["image"].startswith("postgres:")
    app_service = compose["services"]["app"]
    assert app_service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / app_service["build"]["context"] / app_service["build"]["dockerfile"]).is_file()
    assert app_service["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert app_service["depends_on"]["db"]["condition"] == "service_healthy"
    dashboard = compose["services"]["dashboard"]
    assert dashboard["build"] == app_service["build"] and dashboard["environment"] == app_service["environment"]
    assert dashboard["ports"] == ["127.0.0.1:8000:8000"]  # published on the host's loopback only
    assert dashboard["command"][1:4] == ["serve", "--host", "0.0.0.0"]  # so it needs the token (from .env)
    assert _commands_run(list(_strings(compose))) == {"worker", "serve"}


def test_kubernetes_cronjobs() -> None:
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text(encoding="utf-8")))
    assert [(doc["apiVersion"], doc["kind"]) for doc in documents] == [("batch/v1", "CronJob")] * 2
    daily = documents[0]["spec"]
    assert (daily["schedule"], daily["timeZone"], daily["concurrencyPolicy"]) == ("0 1 * * *", "Europe/London",
                                                                                 "Forbid")
    assert _commands_run(list(_strings(documents))) == {"fetch", "populate", "health"}


def test_render_blueprint() -> None:
    blueprint = yaml.safe_load((DEPLOY / "render.yaml").read_text(encoding="utf-8"))
    assert [service["type"] for service in blueprint["services"]] == ["cron", "cron"]
    assert all(CRON_LINE.match(service["schedule"] + " x") for service in blueprint["services"])
    assert blueprint["databases"][0]["name"] == "darkhorses-db"
    for service in blueprint["services"]:
        keys = {var["key"]: var for var in service["envVars"]}
        assert keys["DATABASE_URL"]["fromDatabase"]["name"] == "darkhorses-db"
        assert all("value" not in var for key, var in keys.items() if key.startswith("RACING_API_"))
    assert _commands_run([service["startCommand"] for service in blueprint["services"]]) == {"fetch", "populate",
                                                                                            "health"}


def test_logrotate_file() -> None:
    text = _uncommented(DEPLOY / "logrotate" / "darkhorses")
    match = re.fullmatch(r"\s*(\S+) \{\n((?:    [a-z]+(?: \S+)*\n)+)\}\s*", text)
    assert match, text
    assert match[1] == "/opt/darkhorses/logs/*.log"
    directives = {line.split()[0] for line in match[2].splitlines()}
    assert directives <= {"daily", "weekly", "monthly", "rotate", "compress", "delaycompress", "missingok",
                          "notifempty", "copytruncate", "su", "maxage"}


@pytest.mark.parametrize("arguments", ["fetch --colour red", "fetchall", "db", "fetch --mode"])
def test_the_command_check_rejects_what_does_not_exist(arguments: str) -> None:
    with pytest.raises(AssertionError):
        _check_command(arguments)
