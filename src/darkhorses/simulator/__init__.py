"""An offline Racing API: a deterministic synthetic racing world served over the real contract.

* :class:`SimulatorConfig` -- seed, account (plan, credentials, history add-on), dialect, clock,
  latency, rate limits and injected faults.
* :func:`create_app` -- the Starlette ASGI app (``app.state.world``, ``app.state.counter``).
* :func:`serve_in_thread` -- the app on a loopback port in a background thread.
* :class:`World` -- ground truth: racecards, results and horses for any date, generated lazily.
"""

from darkhorses.simulator.app import create_app
from darkhorses.simulator.config import FaultConfig, SimulatorConfig
from darkhorses.simulator.server import serve_forever, serve_in_thread
from darkhorses.simulator.world import World

__all__ = ["FaultConfig", "SimulatorConfig", "World", "create_app", "serve_forever", "serve_in_thread"]
