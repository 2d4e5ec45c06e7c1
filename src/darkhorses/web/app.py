"""The read-only dashboard as a Starlette app: six pages, their JSON twins, ``/metrics`` and a login.

Each page is one function of :mod:`darkhorses.web.pages` rendered twice from the same data: as
HTML (``/backfill``) and as JSON (``/api/backfill``). The database is opened on first use and
read only; a database that does not exist yet, or has no tables, shows a "nothing fetched yet"
page instead of an error, and the dashboard comes alive as soon as a fetch creates it.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup, escape
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from darkhorses.db.engine import describe, normalise_url
from darkhorses.errors import ConfigError, DatabaseError
from darkhorses.london import LONDON
from darkhorses.ops.card import Record, parse_day
from darkhorses.ops.card_view import jockey_text, record_text
from darkhorses.ops.status import NoDatabase, open_for_reading
from darkhorses.parse import lbs_to_weight
from darkhorses.web import charts, pages
from darkhorses.web.auth import TokenAuth
from darkhorses.web.metrics import registry

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
"""Everything the pages load comes from this server: no inline script, no third-party host."""


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    build: Callable[..., dict[str, Any]]
    template: str

    @property
    def api(self) -> str:
        return "/api/" + (self.path.strip("/") or "overview")


PAGES = (
    Page("/", "Overview", pages.overview, "overview.html"),
    Page("/backfill", "Backfill", pages.backfill, "backfill.html"),
    Page("/data", "Data", pages.data, "data.html"),
    Page("/api-usage", "API usage", pages.api_usage, "api_usage.html"),
    Page("/statistics", "Statistics", pages.statistics, "statistics.html"),
    Page("/card", "Racecards", pages.card, "card.html"),
)


class Database:
    """The dashboard's engine, opened on first use (and again later if it did not exist yet)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.name = describe(normalise_url(database_url))
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = open_for_reading(self.url)
            return self._engine


def _when(value: str | None) -> str:
    """An ISO timestamp as London wall time; a date stays a date."""
    if not value:
        return "-"
    if "T" not in value:
        return value
    return dt.datetime.fromisoformat(value).astimezone(LONDON).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _number(value: float | None) -> str:
    """Thousands separated; at most two decimals, trailing zeros dropped."""
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")


def _code(text: str | None) -> Markup:
    """Escape ``text`` and show its `backticked` commands as code."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text or ""))))


def _record(record: dict[str, Any], ae: bool = False) -> str:
    """A card record (JSON) as the terminal card prints it: ``wins/runs win%`` and the A/E."""
    return record_text(Record(**record), ae=ae)


def _shift(day: str, days: int) -> str:
    """The ISO date ``days`` after ``day``: the racecard page's previous and next day."""
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.PackageLoader("darkhorses.web", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(when=_when, duration=_duration, number=_number, code=_code, record=_record, shift=_shift,
                       weight=lbs_to_weight)
    env.globals.update(pages=PAGES, charts=charts, zip=zip, dict=dict, jockey=jockey_text)
    return Jinja2Templates(env=env)


class _Headers(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.update(HEADERS)
        return response


def _arguments(page: Page, request: Request, now: dt.datetime) -> dict[str, Any]:
    """The query parameters a page understands, checked: a bad one falls back to the default,
    except a bad racecard date, which is a :class:`ConfigError` (the page answers 400)."""
    query = request.query_params
    if page.build is pages.api_usage:
        days = query.get("days", "")
        return {"days": min(max(int(days), 1), 365)} if days.isdigit() else {}
    if page.build is pages.statistics:
        return {"kind": query.get("kind", "sires"), "text": query.get("q", "")[:100]}
    if page.build is pages.card:
        return {"day": parse_day(query.get("date") or None, now.astimezone(LONDON).date(), option="date"),
                "course": query.get("course", "")[:100].strip() or None,
                "race": query.get("race", "")[:100].strip() or None}
    return {}


def create_app(database_url: str, *, token: str | None = None, refresh_seconds: float = 5.0,
               clock: Callable[[], dt.datetime] | None = None) -> Starlette:
    """The dashboard for ``database_url``; with ``token``, every request must carry it.

    ``refresh_seconds`` is how often the backfill page asks for fresh numbers; ``clock`` lets
    tests pin "now".
    """
    database = Database(database_url)
    templates = _templates()
    now = clock or (lambda: dt.datetime.now(dt.timezone.utc))
    metrics = registry(database.engine)

    def read(page: Page, request: Request) -> tuple[int, dict[str, Any]]:
        """The page's data, or the state that stands in for it: empty (200), a bad request (400) or
        unreadable (503)."""
        moment = now()
        try:
            arguments = _arguments(page, request, moment)
        except ConfigError as exc:
            return 400, {"state": "invalid", "message": str(exc)}
        try:
            return 200, {"state": "ok"} | page.build(database.engine(), moment, **arguments)
        except NoDatabase as exc:
            return 200, {"state": "empty", "message": str(exc), "hint": pages.START_HINT}
        except DatabaseError as exc:
            return 503, {"state": "error", "message": str(exc)}
        except SQLAlchemyError as exc:
            reason = type(getattr(exc, "orig", None) or exc).__name__
            return 503, {"state": "error", "message": f"cannot read {database.name}: {reason}"}

    def html(page: Page) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            status, data = read(page, request)
            template = page.template if data["state"] == "ok" else "unavailable.html"
            return templates.TemplateResponse(request, template, {
                "page": page, "data": data, "database": database.name, "refresh_seconds": refresh_seconds,
            }, status_code=status)
        return endpoint

    def api(page: Page) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            status, data = read(page, request)
            return JSONResponse(data, status_code=status)
        return endpoint

    def scrape(request: Request) -> Response:
        return Response(generate_latest(metrics), media_type=CONTENT_TYPE_LATEST)

    def login(request: Request) -> Response:
        return templates.TemplateResponse(request, "login.html", {
            "page": None, "failed": "failed" in request.query_params, "next": request.query_params.get("next", "/"),
        })

    routes = [Route(page.path, html(page)) for page in PAGES] + [Route(page.api, api(page)) for page in PAGES]
    routes += [Route("/metrics", scrape), Route("/login", login, methods=["GET"]),
               Mount("/static", StaticFiles(packages=[("darkhorses.web", "static")]), name="static")]
    middleware = [Middleware(_Headers)] + ([Middleware(TokenAuth, token=token)] if token else [])
    return Starlette(routes=routes, middleware=middleware)
