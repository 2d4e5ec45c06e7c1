"""Run the simulator on a loopback port: in a background thread (tests, benchmarks) or in the
foreground until interrupted (``darkhorses simulate``)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import uvicorn

from darkhorses.simulator.app import create_app
from darkhorses.simulator.config import SimulatorConfig


def _server(config: SimulatorConfig, host: str, port: int, log_level: str) -> uvicorn.Server:
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level,
                                           access_log=False, lifespan="off"))
    server.app = app  # type: ignore[attr-defined]
    return server


@contextlib.contextmanager
def serve_in_thread(
    config: SimulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve the simulator in a daemon thread; yields its base URL and stops it on exit.

    ``port=0`` picks a free port (the socket is bound here, so there is no race to find one).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    server = _server(config or SimulatorConfig(), host, bound_port, "warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="darkhorses-simulator")
    thread.start()
    started = threading.Event()
    while thread.is_alive() and not server.started:
        started.wait(0.01)
    if not server.started:
        raise RuntimeError("the simulator failed to start")
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_forever(config: SimulatorConfig, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve in the foreground until interrupted."""
    _server(config, host, port, "info").run()
