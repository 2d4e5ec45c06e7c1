"""The simulator as an ASGI application (Starlette).

One ASGI callable per contract route does, in order: the IP cool-off (Cloudflare sits in front
of the API), HTTP Basic auth (401), the plan check (401: the API says "unauthorised" for an
endpoint above the plan), the per-endpoint rate limit (429), parameter validation (422), the
handler, then any injected fault. Every request that reaches a route is counted in
``app.state.counter`` under the route template, whatever its outcome.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from darkhorses.collector import collector_paused
from darkhorses.simulator.config import PLANS, SimulatorConfig
from darkhorses.simulator.contract import NOT_FOUND, ContractError, encode, json_response, parse_query
from darkhorses.simulator.endpoints import Context, Endpoint
from darkhorses.simulator.routes import ENDPOINTS
from darkhorses.simulator.faults import Faults
from darkhorses.simulator.limits import IpCoolOff, SlidingWindow
from darkhorses.simulator.world import World

UNAUTHORISED = {"detail": "Invalid credentials"}
ABOVE_PLAN = {"detail": "Your plan does not include this endpoint"}
TOO_MANY = {"detail": "Too Many Requests"}


class DroppedConnection(ConnectionError):
    """Raised inside the app to make the server abandon the connection mid-response."""


class _Shared:
    """State shared by all routes of one app: world, limits, faults, counter.

    Bodies are generated and encoded in one thread of their own (the world is not thread-safe;
    one thread also keeps its caches filled in request order). A fresh Pro racecard day takes
    the order of 100 ms: in the event loop it would hold up every request arriving meanwhile,
    and their rate-limit stamps, which a real API takes at its edge, whatever its back end is doing.
    """

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.world = World(config.seed, config.today)
        self.world_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulator-world")
        self.counter: Counter[str] = Counter()
        self.faults = Faults(config.faults)
        self.ip = IpCoolOff(config.ip_block_threshold, config.ip_window_seconds, config.ip_block_seconds)
        self.rates = {"default": SlidingWindow(config.rate_limit_default),
                      "racecards": SlidingWindow(config.rate_limit_racecards),
                      "courses": SlidingWindow(config.rate_limit_courses)}
        self.sleep = config.sleep or asyncio.sleep

    def credentials_ok(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user == self.config.username and password == self.config.password


class RouteApp:
    """The ASGI app behind one contract route."""

    def __init__(self, endpoint: Endpoint, shared: _Shared) -> None:
        self.endpoint = endpoint
        self.shared = shared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        shared, config = self.shared, self.shared.config
        shared.counter[self.endpoint.template] += 1
        request = Request(scope, receive)
        now = config.clock()
        try:
            ctx = self._admit(request, now)
            payload = await asyncio.get_running_loop().run_in_executor(shared.world_thread, self._payload, ctx)
        except ContractError as refusal:
            await json_response(refusal.status, refusal.body, refusal.headers)(scope, receive, send)
            return
        if config.latency_ms:
            await shared.sleep(config.latency_ms / 1000)
        await self._send(200, payload, scope, receive, send)

    @collector_paused
    def _payload(self, ctx: Context) -> bytes:
        """The body as JSON, in the world's own thread (see :class:`_Shared`), with the garbage
        collector paused: a racecard day builds its whole field before any of it is garbage."""
        return encode(self.endpoint.handler(ctx))

    def _admit(self, request: Request, now: dt.datetime) -> Context:
        """The checks before the handler, in the event loop: they stamp the request on arrival."""
        shared, config, endpoint = self.shared, self.shared.config, self.endpoint
        client = request.client.host if request.client else "unknown"
        stamp = now.timestamp()
        if config.rate_limits_enabled and not shared.ip.allow(client, stamp):
            raise ContractError(429, TOO_MANY)
        if not shared.credentials_ok(request.headers.get("authorization")):
            raise ContractError(401, UNAUTHORISED, {"WWW-Authenticate": "Basic"})
        if PLANS.index(config.plan) < PLANS.index(endpoint.plan_in(config.dialect)):
            raise ContractError(401, ABOVE_PLAN)
        if config.rate_limits_enabled and not shared.rates[endpoint.family].allow(
                (config.username, endpoint.template), stamp):
            raise ContractError(429, TOO_MANY)
        values, echo = parse_query(endpoint.params(config.dialect), request.query_params.multi_items(),
                                   config.dialect)
        echo += [[name, value] for name, value in request.path_params.items()]
        return Context(shared.world, config, now, values, echo, dict(request.path_params))

    async def _send(self, status: int, payload: bytes, scope: Scope, receive: Receive, send: Send) -> None:
        shared = self.shared
        fault = shared.faults.draw()
        if fault == "server_error":
            await json_response(shared.faults.server_error_status(), {"detail": "Internal Server Error"})(
                scope, receive, send)
            return
        if fault in ("slow", "hang"):
            faults = shared.config.faults
            await shared.sleep(faults.slow_seconds if fault == "slow" else faults.hang_seconds)
        if fault == "drift":
            payload = encode(shared.faults.drift(json.loads(payload)))
        if fault == "invalid_json":
            payload = payload[: max(1, len(payload) // 2)] + b"<html>upstream error</html>"
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        if fault == "drop":
            await send({"type": "http.response.start", "status": status, "headers": headers})
            raise DroppedConnection("simulated dropped connection")
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if fault == "truncate":
            await send({"type": "http.response.body", "body": payload[: len(payload) // 2], "more_body": False})
            return
        await send({"type": "http.response.body", "body": payload, "more_body": False})


async def _not_found(request: Request) -> Response:
    return json_response(404, NOT_FOUND)


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """The simulator app. ``app.state.world`` is the ground truth, ``app.state.counter`` the
    per-route request counts (template -> count) and ``app.state.config`` the settings."""
    config = config or SimulatorConfig()
    shared = _Shared(config)
    routes = [Route(e.template, RouteApp(e, shared), methods=["GET"]) for e in ENDPOINTS]
    routes.append(Route("/{path:path}", _not_found))
    app = Starlette(routes=routes)
    app.state.config = config
    app.state.world = shared.world
    app.state.counter = shared.counter
    return app


__all__ = ["DroppedConnection", "create_app", "encode"]
