"""Alerts through Apprise to real receivers on loopback (a JSON webhook and an SMTP server), on both
engines: each problem announced once, resolved once, nothing when healthy, no secret anywhere.

Every judgement gets its clock; nothing depends on today's date and nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from darkhorses.config import Settings, load_settings
from darkhorses.db.engine import make_engine
from darkhorses.db.schema import dh_alert_state, dh_work_units
from darkhorses.errors import ConfigError, DatabaseError
from darkhorses.ingest.controller import FetchOptions, FetchReport, run_fetch
from darkhorses.ops import alerts
from darkhorses.ops.alerts import Message, after_fetch, check, notifier_for, watch_populate
from darkhorses.ops.worker import SCHEDULE, Worker
from darkhorses.racing_api.errors import AuthError, PlanError
from darkhorses.racing_api.limiter import RateLimiter, RateLimits

from .alert_receivers import SMTP_PASSWORD, SMTP_USER, WEBHOOK_TOKEN, Mailbox, Webhook, smtp_server, webhook
from .conftest import NOW, TODAY, add_failed_unit, add_rows, add_run

pytest.importorskip("apprise", reason="alerts need the alerts extra: pip install 'darkhorses[alerts]'")
pytest.importorskip("aiosmtpd", reason="the SMTP receiver needs aiosmtpd (dev extra)")

UTC = dt.timezone.utc
EVENING = dt.datetime(2025, 10, 20, 17, 30, tzinfo=UTC)
"""18:30 in London (BST): tomorrow's racecards are due, and the seeded database has them."""
API_USER = "racing-user-Qx81"
API_PASSWORD = "racing-pass-Zr7Qe2"
DB_PASSWORD = "DbPassw0rd-9Kq"
SECRETS = (API_USER, API_PASSWORD, DB_PASSWORD, WEBHOOK_TOKEN, SMTP_PASSWORD)


@pytest.fixture
def hook() -> Iterator[Webhook]:
    with webhook() as receiver:
        yield receiver


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as receiver:
        yield receiver


def _settings(*urls: str, tmp_path: Path | None = None, **extra: object) -> Settings:
    return load_settings(racing_api_username=API_USER, racing_api_password=API_PASSWORD,
                         database_url=f"postgresql://owner:{DB_PASSWORD}@127.0.0.1:5432/darkhorses",
                         alert_urls=" ".join(urls), **extra)


def _report(mode: str = "daily", *, error: str | None = None, failed: int = 0, quarantined: int = 0,
            written: int = 500, calls: int = 10) -> FetchReport:
    report = FetchReport(mode=mode, started_at=EVENING - dt.timedelta(minutes=5), error=error,
                         written=Counter({"ra_mst_runners": written}), api_calls=Counter({"/v1/results": calls}),
                         quarantined=quarantined)
    report.failed = [{"job": "results", "key": "2025-10-19", "reason": "server error 503"}] * failed
    return report


def _kinds(sent: list[Message]) -> list[tuple[str, str]]:
    return [(message.kind, message.title) for message in sent]


def _no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"a secret reached {text!r}"


# --------------------------------------------------------------------------- once per problem


def test_nothing_is_sent_while_healthy(seeded: Engine, hook: Webhook, mailbox: Mailbox) -> None:
    settings = _settings(hook.url, mailbox.url)
    assert after_fetch(settings, seeded, _report(), now=EVENING) == []
    assert check(settings, seeded, now=EVENING) == []
    with watch_populate(settings, seeded, now=EVENING):
        pass
    assert hook.posts == [] and mailbox.mails == []
    with seeded.connect() as connection:
        assert connection.execute(select(dh_alert_state)).all() == []


def test_a_failed_run_is_announced_once_to_every_target_then_resolved_once(
    seeded: Engine, hook: Webhook, mailbox: Mailbox
) -> None:
    settings = _settings(hook.url, mailbox.url)
    failing = _report(error="cannot write to database postgresql://owner:***@db/darkhorses: disk full")
    sent = after_fetch(settings, seeded, failing, now=EVENING)
    assert _kinds(sent) == [("alert", "DarkHorses alert: fetch --mode daily failed")]
    assert "Fix: darkhorses fetch --mode daily" in sent[0].body and "disk full" in sent[0].body
    assert [post["title"] for post in hook.posts] == ["DarkHorses alert: fetch --mode daily failed"]
    assert hook.posts[0]["type"] == "failure" and hook.posts[0]["path"] == f"/hooks/{WEBHOOK_TOKEN}"
    assert [mail["Subject"] for mail in mailbox.mails] == ["DarkHorses alert: fetch --mode daily failed"]
    assert "Fix: darkhorses fetch --mode daily" in mailbox.texts()[0]

    # Failing again, in another process (a fresh engine on the same database): no second message.
    again = make_engine(seeded.url.render_as_string(hide_password=False))
    assert after_fetch(settings, again, failing, now=EVENING + dt.timedelta(hours=1)) == []
    assert len(hook.posts) == 1 and len(mailbox.mails) == 1

    # Another mode succeeding does not clear it; the daily mode succeeding does, once.
    assert after_fetch(settings, seeded, _report("manual"), now=EVENING + dt.timedelta(hours=2)) == []
    resolved = after_fetch(settings, again, _report(), now=EVENING + dt.timedelta(hours=3))
    assert _kinds(resolved) == [("resolved", "DarkHorses resolved: fetch --mode daily failed")]
    assert "Raised 2025-10-20 17:30 UTC, cleared 2025-10-20 20:30 UTC" in resolved[0].body
    assert after_fetch(settings, seeded, _report(), now=EVENING + dt.timedelta(hours=4)) == []
    assert [post["type"] for post in hook.posts] == ["failure", "success"] and len(mailbox.mails) == 2
    again.dispose()


def test_failed_units_are_announced_until_retried(seeded: Engine, hook: Webhook) -> None:
    settings = _settings(hook.url)
    add_failed_unit(seeded, "2025-10-18", EVENING - dt.timedelta(hours=1), reason="server error 503 on /v1/results")
    sent = after_fetch(settings, seeded, _report(failed=1), now=EVENING)
    assert _kinds(sent) == [("alert", "DarkHorses alert: 1 work units failed at their last attempt")]
    assert "results 2025-10-18: server error 503 on /v1/results" in sent[0].body
    assert "Fix: darkhorses fetch --retry-failed" in sent[0].body
    assert check(settings, seeded, now=EVENING + dt.timedelta(minutes=30)) == []
    with seeded.begin() as connection:
        connection.execute(update(dh_work_units).where(dh_work_units.c.status == "failed").values(status="done"))
    assert _kinds(check(settings, seeded, now=EVENING + dt.timedelta(hours=1))) == [
        ("resolved", "DarkHorses resolved: 1 work units failed at their last attempt")]
    assert len(hook.posts) == 2


def test_no_daily_sync_in_25_hours_is_stale(seeded: Engine, hook: Webhook) -> None:
    settings = _settings(hook.url)
    last = NOW - dt.timedelta(hours=2)
    assert check(settings, seeded, now=last + dt.timedelta(hours=24, minutes=59)) == []
    late = last + dt.timedelta(hours=25, minutes=1)  # 12:01 London the next day: its card (CARD) is stored
    sent = check(settings, seeded, now=late)
    assert _kinds(sent) == [("alert", "DarkHorses alert: no successful daily sync in the last 25 hours")]
    assert "last successful daily sync: 2025-10-20 10:00 UTC" in sent[0].body
    assert "Fix: darkhorses fetch --mode daily" in sent[0].body
    assert check(settings, seeded, now=late + dt.timedelta(hours=1)) == []
    add_run(seeded, finished=late + dt.timedelta(hours=2))
    assert [m.kind for m in check(settings, seeded, now=late + dt.timedelta(hours=2))] == ["resolved"]


def test_racecards_missing_for_tomorrow_by_evening_london_time(seeded: Engine, hook: Webhook) -> None:
    settings = _settings(hook.url)
    add_run(seeded, finished=dt.datetime(2025, 10, 21, 16, 0, tzinfo=UTC))  # keep the daily sync fresh
    # 21 October: tomorrow (the 22nd) has no race stored. At 17:59 London it is not yet due ...
    assert check(settings, seeded, now=dt.datetime(2025, 10, 21, 16, 59, tzinfo=UTC)) == []
    # ... at 18:00 London (17:00 UTC, BST) it is.
    sent = check(settings, seeded, now=dt.datetime(2025, 10, 21, 17, 0, tzinfo=UTC))
    assert _kinds(sent) == [("alert", "DarkHorses alert: no racecards stored for Wednesday 22 October 2025")]
    assert ("Fix: darkhorses fetch --mode manual --tables racecards --start-date 2025-10-22 --end-date 2025-10-22"
            in sent[0].body)
    # A racecards fetch of that date in the afternoon that found no racing: not missing, resolved.
    add_rows(seeded, dh_work_units, [{"job": "racecards", "partition_key": "2025-10-22", "status": "done",
                                      "attempts": 1, "rows_written": 0,
                                      "finished_at": dt.datetime(2025, 10, 21, 17, 30, tzinfo=UTC)}])
    assert [m.kind for m in check(settings, seeded, now=dt.datetime(2025, 10, 21, 18, 0, tzinfo=UTC))] == ["resolved"]


def test_racecards_for_today_are_due_before_the_evening(seeded: Engine, hook: Webhook) -> None:
    """Past midnight the card that was due for "tomorrow" is today's: it stays due, it does not resolve."""
    settings = _settings(hook.url)
    morning = dt.datetime(2025, 10, 20, 9, 0, tzinfo=UTC)  # 10:00 London: no race stored for the 20th
    sent = check(settings, seeded, now=morning)
    assert _kinds(sent) == [("alert", "DarkHorses alert: no racecards stored for Monday 20 October 2025")]
    # Racecards on a plan without them are never due.
    with seeded.begin() as connection:
        connection.execute(delete(dh_alert_state))
    assert check(_settings(hook.url, racing_api_plan="standard"), seeded, now=morning) == []


@pytest.mark.parametrize("error, fix", [
    (AuthError("the Racing API refused the credentials (401) on /v1/results", path="/v1/results", status=401),
     "set RACING_API_USERNAME and RACING_API_PASSWORD"),
    (PlanError("/v1/racecards/pro is above your plan (401)", path="/v1/racecards/pro", status=401),
     "set RACING_API_PLAN"),
])
def test_credential_and_plan_errors(seeded: Engine, hook: Webhook, error: Exception, fix: str) -> None:
    settings = _settings(hook.url)
    sent = after_fetch(settings, seeded, _report(error=str(error), calls=1), raised=error, now=EVENING)
    assert _kinds(sent) == [("alert", "DarkHorses alert: The Racing API refused this account")]
    assert fix in sent[0].body and str(error) in sent[0].body
    assert after_fetch(settings, seeded, _report(error=str(error)), raised=error, now=EVENING) == []
    resolved = after_fetch(settings, seeded, _report(), now=EVENING + dt.timedelta(hours=1))
    assert [m.kind for m in resolved] == ["resolved"]


def test_a_quarantine_spike(seeded: Engine, hook: Webhook) -> None:
    settings = _settings(hook.url)
    # The odd messy record is no spike: 9 records, or 10 among 2,000 rows (0.5%).
    assert after_fetch(settings, seeded, _report(quarantined=9, written=100), now=EVENING) == []
    assert after_fetch(settings, seeded, _report(quarantined=10, written=1990), now=EVENING) == []
    sent = after_fetch(settings, seeded, _report(quarantined=40, written=460), now=EVENING)
    assert _kinds(sent) == [("alert", "DarkHorses alert: fetch --mode daily quarantined 40 records")]
    assert "40 of 500 records could not be parsed" in sent[0].body and "darkhorses status" in sent[0].body
    # A failed run proves nothing either way; a clean complete run clears it.
    assert [m.kind for m in after_fetch(settings, seeded, _report(error="boom"), now=EVENING)] == ["alert"]
    assert [m.title for m in after_fetch(settings, seeded, _report(), now=EVENING)] == [
        "DarkHorses resolved: fetch --mode daily failed", "DarkHorses resolved: fetch --mode daily quarantined 40 records"]


def test_an_interrupted_run_is_neither_a_failure_nor_a_recovery(seeded: Engine, hook: Webhook) -> None:
    settings = _settings(hook.url)
    after_fetch(settings, seeded, _report(error="boom"), now=EVENING)
    stopped = _report()
    stopped.stopped, stopped.interrupted_by = 3, "SIGTERM"
    assert after_fetch(settings, seeded, stopped, now=EVENING) == []
    assert after_fetch(settings, seeded, _report(), raised=KeyboardInterrupt(), now=EVENING) == []
    assert len(hook.posts) == 1


def test_populate_failure_and_recovery(seeded: Engine, hook: Webhook) -> None:
    settings = _settings(hook.url)
    with pytest.raises(DatabaseError, match="disk full"):
        with watch_populate(settings, seeded, now=EVENING):
            raise DatabaseError("cannot write to database: disk full")
    assert [(p["title"], "Fix: darkhorses populate" in p["message"]) for p in hook.posts] == [
        ("DarkHorses alert: populate failed", True)]
    with watch_populate(settings, seeded, now=EVENING):
        pass
    assert [p["title"] for p in hook.posts][1:] == ["DarkHorses resolved: populate failed"]


def test_the_worker_alerts_when_its_statistics_fail(seeded: Engine, hook: Webhook, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alerts, "utcnow", lambda: EVENING)
    settings = _settings(hook.url, log_dir=tmp_path)

    def fetch(settings: Settings, options: FetchOptions) -> tuple[FetchReport, Path]:
        return _report(), tmp_path / "run.json"

    def populate(engine: Engine, should_stop: object = None) -> object:
        raise DatabaseError("the statistics could not be written")

    worker = Worker(settings, seeded, fetch=fetch, populate=populate, today=lambda: TODAY)
    worker.run_task(SCHEDULE[0])
    worker.run_task(SCHEDULE[0])
    assert [post["title"] for post in hook.posts] == ["DarkHorses alert: populate failed"]


async def test_a_real_fetch_refused_by_the_api_alerts(engine: Engine, hook: Webhook, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook at the end of ``run_fetch``: wrong credentials against the simulator."""
    from darkhorses.simulator import SimulatorConfig, create_app

    monkeypatch.setattr(alerts, "utcnow", lambda: EVENING)
    settings = _settings(hook.url, racing_api_base_url="http://sim", log_dir=tmp_path / "logs", archive_enabled=False)
    app = create_app(SimulatorConfig(seed=7, today=TODAY, now=lambda: EVENING))
    with pytest.raises(AuthError):
        await run_fetch(settings, FetchOptions(mode="daily", test=True), engine=engine,
                        transport=httpx.ASGITransport(app=app), limiter=RateLimiter(RateLimits.unlimited()), today=TODAY)
    titles = [post["title"] for post in hook.posts]
    assert "DarkHorses alert: The Racing API refused this account" in titles
    _no_secret(*hook.texts())


# --------------------------------------------------------------------------- delivery and secrets


def test_an_undelivered_alert_is_tried_again(seeded: Engine, hook: Webhook) -> None:
    dead = "json://127.0.0.1:9/hooks/Tok3nWebhookS3cret"  # the discard port: nothing listens
    assert after_fetch(_settings(dead), seeded, _report(error="boom"), now=EVENING) == []
    with seeded.connect() as connection:
        assert connection.execute(select(dh_alert_state.c.notified_at)).scalars().all() == [None]
    sent = after_fetch(_settings(hook.url), seeded, _report(error="boom"), now=EVENING + dt.timedelta(hours=1))
    assert _kinds(sent) == [("alert", "DarkHorses alert: fetch --mode daily failed")]
    assert "Since: 2025-10-20 17:30 UTC" in sent[0].body  # raised when first seen


def test_a_problem_that_clears_before_anyone_heard_of_it_sends_nothing(seeded: Engine, hook: Webhook) -> None:
    dead = "json://127.0.0.1:9/hooks/x"
    after_fetch(_settings(dead), seeded, _report(error="boom"), now=EVENING)
    assert after_fetch(_settings(hook.url), seeded, _report(), now=EVENING) == []
    assert hook.posts == []


def test_no_secret_in_any_message_or_log(seeded: Engine, hook: Webhook, mailbox: Mailbox,
                                         caplog: pytest.LogCaptureFixture) -> None:
    engine = seeded
    if engine.dialect.name == "postgresql" and engine.url.password is None:
        # The database URL carries a password (a server that trusts loopback ignores it).
        engine = make_engine(engine.url.set(password=DB_PASSWORD).render_as_string(hide_password=False))
    dead = f"json://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:9/hooks/{WEBHOOK_TOKEN}"
    settings = _settings(hook.url, mailbox.url, dead)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("apprise").setLevel(logging.DEBUG)  # Apprise's debug lines print whole URLs
    error = AuthError(f"refused {API_USER}:{API_PASSWORD} on /v1/results", path="/v1/results", status=401)
    sent = after_fetch(settings, engine, _report(error=str(error)), raised=error, now=EVENING)
    sent += after_fetch(settings, engine, _report(error=f"failed with {DB_PASSWORD} and {WEBHOOK_TOKEN}"), now=EVENING)
    sent += after_fetch(settings, engine, _report(), now=EVENING)
    assert [m.kind for m in sent] == ["alert", "alert", "resolved", "resolved"]
    assert len(hook.posts) == 4 and len(mailbox.mails) == 4 and mailbox.logins  # the mail login happened
    assert "not delivered to 3 (JSON): A Connection error" in caplog.text  # the dead target, without its URL
    result = CliRunner().invoke(_cli_app(), ["alert", "test"], env=_env(settings))
    assert result.exit_code == 1
    _no_secret(*(m.title + m.body for m in sent), *hook.texts(), *mailbox.texts(), caplog.text,
               result.output)
    engine.dispose()


# --------------------------------------------------------------------------- configuration and the command


def _cli_app():  # type: ignore[no-untyped-def]
    from darkhorses.cli import app

    return app


def _env(settings: Settings) -> dict[str, str]:
    assert settings.alert_urls is not None
    return {"DARKHORSES_ALERT_URLS": settings.alert_urls.get_secret_value(), "RACING_API_USERNAME": API_USER,
            "RACING_API_PASSWORD": API_PASSWORD, "DATABASE_URL": settings.database_url}


def test_alert_test_sends_to_every_target(hook: Webhook, mailbox: Mailbox) -> None:
    result = CliRunner().invoke(_cli_app(), ["alert", "test"], env=_env(_settings(hook.url, mailbox.url)))
    assert result.exit_code == 0, result.output
    assert result.output == "sent a test message to 2 alert targets: 1 (JSON), 2 (E-Mail)\n"
    assert [post["title"] for post in hook.posts] == ["DarkHorses test alert"] and hook.posts[0]["type"] == "info"
    assert [mail["Subject"] for mail in mailbox.mails] == ["DarkHorses test alert"]


def test_alert_test_fails_in_one_line_without_targets_or_delivery(hook: Webhook) -> None:
    runner = CliRunner()
    none = runner.invoke(_cli_app(), ["alert", "test"], env={"DARKHORSES_ALERT_URLS": " "})
    assert none.exit_code == 2
    assert none.output == "error: no alert targets: set DARKHORSES_ALERT_URLS to one or more Apprise URLs\n"
    dead = runner.invoke(_cli_app(), ["alert", "test"],
                         env={"DARKHORSES_ALERT_URLS": f"{hook.url} json://127.0.0.1:9/hooks/{WEBHOOK_TOKEN}"})
    assert dead.exit_code == 1
    assert dead.output == ("error: the test message was not delivered to 1 of 2 alert targets: 2 (JSON): A Connection "
                           "error occurred sending JSON notification to 127.0.0.1. (check DARKHORSES_ALERT_URLS)\n")
    assert WEBHOOK_TOKEN not in dead.output
    bad = runner.invoke(_cli_app(), ["alert", "test"], env={"DARKHORSES_ALERT_URLS": "nosuchscheme://x"})
    assert bad.exit_code == 2 and bad.output.startswith("error: DARKHORSES_ALERT_URLS holds a URL Apprise does not")


def test_without_apprise_alerts_degrade_to_one_line(seeded: Engine, monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "apprise", None)  # as if the alerts extra were not installed
    settings = _settings("json://127.0.0.1:9/x")
    with pytest.raises(ConfigError, match=r"Apprise is not installed: pip install 'darkhorses\[alerts\]'"):
        notifier_for(settings)
    assert after_fetch(settings, seeded, _report(error="boom"), now=EVENING) == []
    assert [r.getMessage() for r in caplog.records if r.name == "darkhorses.ops.alerts"] == [
        "alerts: DARKHORSES_ALERT_URLS is set but Apprise is not installed: pip install 'darkhorses[alerts]'"]


def test_no_targets_means_no_work(caplog: pytest.LogCaptureFixture) -> None:
    """Without DARKHORSES_ALERT_URLS the hooks do nothing at all, not even open the database."""
    from sqlalchemy import create_engine

    settings = load_settings(alert_urls=None)
    assert not settings.alerts_configured()
    unopenable = create_engine("sqlite:////nonexistent/dir/x.db")
    assert after_fetch(settings, unopenable, _report(error="boom")) == []
    assert check(settings, unopenable) == [] and caplog.records == []


def test_health_judges_staleness_for_alerts(seeded: Engine, hook: Webhook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alerts, "utcnow", lambda: NOW + dt.timedelta(hours=30))
    env = {**_env(_settings(hook.url)), "DATABASE_URL": seeded.url.render_as_string(hide_password=False)}
    CliRunner().invoke(_cli_app(), ["health"], env=env)
    assert "DarkHorses alert: no successful daily sync in the last 25 hours" in [p["title"] for p in hook.posts]


def test_the_redactor_masks_every_token_of_the_alert_urls() -> None:
    settings = _settings("slack://T1234ABCD/B5678EFGH/abcdefghijklmnopqrstuvwx/#ops",
                         "tgram://123456789:AAbbCCddEEffGGhh/987654321",
                         "mailtos://me:app-password@gmail.com?to=ops@example.com")
    redact = alerts.redactor(settings)
    text = ("T1234ABCD B5678EFGH abcdefghijklmnopqrstuvwx 123456789:AAbbCCddEEffGGhh app-password "
            f"{API_USER} {API_PASSWORD} {DB_PASSWORD} fetch --mode daily failed at hooks.slack.com")
    assert redact(text) == "*** *** *** *** *** *** *** *** fetch --mode daily failed at hooks.slack.com"
