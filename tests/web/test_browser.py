"""The dashboard in a real headless Chromium: every page loads with no console error, the charts
draw their points, the backfill page follows a running fetch without reloading, and a dashboard
bound beyond loopback refuses a browser without the token.

Chromium comes from the system (Debian's ``chromium`` package), driven by Playwright's Python
package; Playwright's own browser downloads are never used. Without a browser these tests skip,
unless ``DARKHORSES_REQUIRE_BROWSER=1`` (CI), where a missing browser fails them. With
``DARKHORSES_SCREENSHOTS=docs/img`` they also save the screenshots shown in docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from darkhorses.config import load_settings
from darkhorses.demo import run_demo
from darkhorses.london import london_today
from darkhorses.ops.status import open_for_reading
from darkhorses.web import check_binding, create_app
from darkhorses.web.app import PAGES

from .live import LiveFetch

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # then the tests skip, or fail under DARKHORSES_REQUIRE_BROWSER=1
    expect = sync_playwright = None

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "browser-token-5TgB8nQ2"
SCREENSHOTS = os.environ.get("DARKHORSES_SCREENSHOTS")
WAIT_MS = 30_000
DEMO_DAYS = 14 if SCREENSHOTS else 3


def _unavailable(reason: str) -> None:
    if os.environ.get("DARKHORSES_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (DARKHORSES_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = os.environ.get("DARKHORSES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).is_file():
        _unavailable("no Chromium installed (apt-get install chromium)")
    if sync_playwright is None:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``darkhorses demo`` over a few days (two weeks for the documentation's screenshots)."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.db"
    settings = load_settings(database_url=f"sqlite:///{path}", log_dir=folder / "logs", archive_enabled=False)
    run_demo(settings, days=DEMO_DAYS)
    return path


def _copy(source: Path, target: Path) -> str:
    """A consistent copy of a SQLite database in WAL mode (the online backup, not a file copy)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


@contextmanager
def served(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free port; yields the base URL to browse."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, 0))
    listener.listen()  # connections queue here until uvicorn accepts them: no start-up race
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


class Watched:
    """A page whose console errors, uncaught exceptions and failed requests are all kept."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1200, "height": 860})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"exception: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    page = Watched(browser)
    yield page
    page.close()


@pytest.mark.parametrize("page", PAGES, ids=[page.title for page in PAGES])
def test_each_page_loads_without_console_errors(demo_database: Path, watched: Watched, tmp_path: Path, page: Any) -> None:
    with served(create_app(_copy(demo_database, tmp_path / "copy.db"))) as base:
        response = watched.page.goto(base + page.path, wait_until="networkidle")
        assert response is not None and response.status == 200
        assert watched.page.locator("h1").inner_text() == page.title
        assert watched.page.locator("#empty, #unavailable").count() == 0
        twin = watched.page.evaluate("fetch(document.querySelector('footer a').href).then(r => r.json())")
        assert twin["state"] == "ok" and twin["empty"] is False  # the JSON twin the footer links
        if page.path == "/card":  # a row per runner of today's demo racecards
            runners = sum(len(race["runners"]) for race in twin["races"])
            assert watched.page.locator("tr.runner").count() == runners > 0
        if SCREENSHOTS and page.path != "/backfill":  # that one is taken while a fetch runs, below
            watched.page.screenshot(path=str(Path(SCREENSHOTS) / f"{page.path.strip('/') or 'overview'}.png"))
    assert watched.problems == []


def _points(page: Any, chart: str) -> list[dict[str, float]]:
    """The drawn size of every data point of ``chart`` (zero-sized points would be invisible)."""
    return page.locator(f"{chart} svg.chart .point, {chart} svg.chart .bar").evaluate_all(
        "els => els.map(e => { const b = e.getBoundingClientRect(); return {w: b.width, h: b.height}; })")


def test_charts_draw_their_points(demo_database: Path, watched: Watched, tmp_path: Path) -> None:
    with served(create_app(_copy(demo_database, tmp_path / "copy.db"))) as base:
        watched.page.goto(base + "/data", wait_until="networkidle")
        days = watched.page.evaluate("fetch('/api/data').then(r => r.json()).then(d => d.races_per_day.length)")
        for chart in ("#races-chart", "#runners-chart"):
            points = _points(watched.page, chart)
            assert len(points) == days >= 3
            assert all(point["w"] > 0 and point["h"] > 0 for point in points)
        assert len(_points(watched.page, "#horses-chart")) >= 1
        watched.page.goto(base + "/api-usage", wait_until="networkidle")
        bars = _points(watched.page, "#calls-chart")  # a day's bar, stacked by endpoint
        assert len(bars) >= 2 and all(bar["w"] > 0 for bar in bars) and max(bar["h"] for bar in bars) > 50
    assert watched.problems == []


def test_the_backfill_page_follows_a_running_fetch(demo_database: Path, watched: Watched, tmp_path: Path) -> None:
    url = _copy(demo_database, tmp_path / "live.db")
    today = london_today()
    days = [today - dt.timedelta(days=DEMO_DAYS + n) for n in range(4, 0, -1)]  # before the demo's days
    with served(create_app(url, refresh_seconds=0.2)) as base:
        page = watched.page
        page.goto(base + "/backfill", wait_until="load")  # it polls, so the network is never idle
        before = int(page.locator('tr[data-job="results"] [data-field="done"]').inner_text().replace(",", ""))
        assert page.locator("#running").inner_text() == "No fetch is running."
        page.evaluate("window.sameDocument = true")
        fetch = LiveFetch(open_for_reading(url), tmp_path, today, days).start()
        expect(page.locator("#running")).to_have_text(re.compile(r"^A fetch is running: run \d+ \(manual\)"),
                                                      timeout=WAIT_MS)
        done = page.locator('tr[data-job="results"] [data-field="done"]')
        for step in range(1, len(days) + 1):
            fetch.allow(1)  # one more day of results lands
            expect(done).to_have_text(str(before + step), timeout=WAIT_MS)
            if SCREENSHOTS and step == 2:
                page.screenshot(path=str(Path(SCREENSHOTS) / "backfill.png"))
        fetch.finish()
        expect(page.locator("#running")).to_have_text("No fetch is running.", timeout=WAIT_MS)
        assert page.evaluate("window.sameDocument") is True  # updated in place, never reloaded
        assert page.locator('tr[data-job="results"] progress').get_attribute("value") == str(before + len(days))
    assert watched.problems == []


def test_beyond_loopback_a_browser_without_the_token_is_refused(demo_database: Path, watched: Watched,
                                                                 tmp_path: Path) -> None:
    check_binding("0.0.0.0", TOKEN)
    with served(create_app(_copy(demo_database, tmp_path / "copy.db"), token=TOKEN), host="0.0.0.0") as base:
        page = watched.page
        response = page.goto(base + "/data", wait_until="networkidle")
        assert response is not None and page.url == base + "/login?next=/data"  # sent to sign in
        refused = response.request.redirected_from
        assert refused is not None and refused.url == base + "/data" and refused.response().status == 303
        assert page.locator("#races-chart").count() == 0 and "ra_mst_runners" not in page.content()
        assert page.request.get(base + "/api/overview").status == 401
        assert page.request.get(base + "/metrics").status == 401
        page.fill("input[name=token]", "not-the-token-at-all")
        page.click("button[type=submit]")
        page.locator("#login-failed").wait_for(state="visible")  # the refused sign-in's page has loaded
        assert page.url.startswith(base + "/login?failed=1")
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/data")
        assert page.locator("#races-chart svg.chart .point").count() >= 3
        assert TOKEN not in page.content()
    assert watched.problems == []  # page.request's refusals are not the page's
