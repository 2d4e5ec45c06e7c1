"""Run the dashboard under uvicorn, after refusing an exposed binding without a token."""

from __future__ import annotations

import uvicorn

from darkhorses.config import Settings
from darkhorses.web.app import create_app
from darkhorses.web.auth import check_binding

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def serve(settings: Settings, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve until stopped. Raises :class:`~darkhorses.errors.ConfigError` before listening when the
    binding is not loopback and ``DARKHORSES_DASHBOARD_TOKEN`` is unset or too short."""
    token = (settings.dashboard_token.get_secret_value() if settings.dashboard_token else "") or None
    check_binding(host, token)
    app = create_app(settings.database_url, token=token)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False, proxy_headers=False)
