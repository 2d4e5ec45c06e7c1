"""Who may read the dashboard: anyone on this machine, or holders of ``DARKHORSES_DASHBOARD_TOKEN``.

Bound to loopback without a token, the dashboard is open (only local users reach it). With a
token, every request needs it: as ``Authorization: Bearer <token>`` (scripts, Prometheus) or as
the cookie the login form sets (browsers). The cookie holds an HMAC of the token, not the token,
and the token is never written into a page or a response.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from urllib.parse import parse_qs, quote

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from darkhorses.errors import ConfigError

COOKIE = "darkhorses_session"
MIN_TOKEN_LENGTH = 16
OPEN_PATHS = ("/login", "/static/")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    """Refuse, in one line, to expose the dashboard beyond loopback without a usable token."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"DARKHORSES_DASHBOARD_TOKEN is too short ({len(token)} characters); use at least "
                          f"{MIN_TOKEN_LENGTH}, for example from `python3 -c 'import secrets; print(secrets.token_urlsafe())'`")
    if token is None and not is_loopback(host):
        raise ConfigError(f"refusing to serve the dashboard on {host} without a token: set DARKHORSES_DASHBOARD_TOKEN "
                          "(or bind to 127.0.0.1)")


def session_value(token: str) -> str:
    """The cookie's value: proof of the token that does not reveal it."""
    return hmac.new(token.encode(), b"darkhorses dashboard session", hashlib.sha256).hexdigest()


class TokenAuth(BaseHTTPMiddleware):
    """Let a request through with the bearer token or the session cookie; otherwise 401."""

    def __init__(self, app: object, token: str) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.token = token
        self.session = session_value(token)

    def allowed(self, request: Request) -> bool:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), self.token.encode()):
            return True
        return hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), self.session.encode())

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path == "/login" and request.method == "POST":
            return await self.login(request)
        if request.url.path.startswith(OPEN_PATHS) or self.allowed(request):
            return await call_next(request)
        if request.url.path.startswith(("/api/", "/metrics")):
            return JSONResponse({"error": "a bearer token is required"}, status_code=401,
                                headers={"WWW-Authenticate": 'Bearer realm="darkhorses"'})
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    async def login(self, request: Request) -> Response:
        """The login form's POST: the right token sets the session cookie, a wrong one is refused."""
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        given = form.get("token", [""])[0]
        target = form.get("next", ["/"])[0]
        target = target if target.startswith("/") and not target.startswith("//") else "/"
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return RedirectResponse(f"/login?failed=1&next={quote(target)}", status_code=303)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, self.session, httponly=True, samesite="strict", max_age=30 * 24 * 3600)
        return response
