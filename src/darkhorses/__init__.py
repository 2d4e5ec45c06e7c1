"""DarkHorses: a complete, current UK & Irish racing database from The Racing API.

The Python API (docs/python-api.md); the ``darkhorses`` command is a thin layer over it::

    import darkhorses

    db = darkhorses.connect("sqlite:///racing.db")
    with darkhorses.simulated_client() as client:  # or SyncRacingApiClient(username=..., password=...)
        darkhorses.fetch(db, client, "manual", days_back=1)
    darkhorses.populate(db)
    sires = darkhorses.dataframe(db, "ra_mst_sires")

Names are imported on first use, so ``darkhorses --help`` does not load the whole pipeline.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from darkhorses.config import Settings, load_settings
    from darkhorses.database import Database, arrow, connect, dataframe, export, head_revision, inventory, rows
    from darkhorses.errors import DarkHorsesError
    from darkhorses.ingest.controller import FetchReport
    from darkhorses.ingest.progress import Progress
    from darkhorses.ops.export import ExportResult
    from darkhorses.ops.health import require_healthy
    from darkhorses.ingest.listing import FetchJob, fetch_jobs
    from darkhorses.pipeline import SyncFailed, fetch, populate
    from darkhorses.racing_api.client import RacingApiClient
    from darkhorses.racing_api.limiter import RateLimits
    from darkhorses.racing_api.sync import SyncRacingApiClient
    from darkhorses.services import health, run_worker, send_test_alert, serve, simulate, worker_schedule
    from darkhorses.simulator.client import simulated_client
    from darkhorses.simulator.config import FaultConfig, SimulatorConfig
    from darkhorses.stats.populate import PopulateResult

_HOMES = {
    "connect": "darkhorses.database", "Database": "darkhorses.database",
    "SyncRacingApiClient": "darkhorses.racing_api.sync", "RacingApiClient": "darkhorses.racing_api.client",
    "RateLimits": "darkhorses.racing_api.limiter", "Settings": "darkhorses.config",
    "simulated_client": "darkhorses.simulator.client",
    "fetch": "darkhorses.pipeline", "FetchReport": "darkhorses.ingest.controller",
    "populate": "darkhorses.pipeline", "PopulateResult": "darkhorses.stats.populate", "SyncFailed": "darkhorses.pipeline",
    "rows": "darkhorses.database", "dataframe": "darkhorses.database", "arrow": "darkhorses.database",
    "export": "darkhorses.database", "ExportResult": "darkhorses.ops.export",
    "DarkHorsesError": "darkhorses.errors",
    "load_settings": "darkhorses.config", "Progress": "darkhorses.ingest.progress",
    "head_revision": "darkhorses.database", "inventory": "darkhorses.database",
    "fetch_jobs": "darkhorses.ingest.listing", "FetchJob": "darkhorses.ingest.listing",
    "health": "darkhorses.services", "require_healthy": "darkhorses.ops.health",
    "worker_schedule": "darkhorses.services", "run_worker": "darkhorses.services", "serve": "darkhorses.services",
    "simulate": "darkhorses.services", "SimulatorConfig": "darkhorses.simulator.config",
    "FaultConfig": "darkhorses.simulator.config", "send_test_alert": "darkhorses.services",
}
"""Each public name and the module it lives in."""

__all__ = [
    "Database",
    "DarkHorsesError",
    "ExportResult",
    "FaultConfig",
    "FetchJob",
    "FetchReport",
    "PopulateResult",
    "Progress",
    "RacingApiClient",
    "RateLimits",
    "Settings",
    "SimulatorConfig",
    "SyncFailed",
    "SyncRacingApiClient",
    "__version__",
    "arrow",
    "connect",
    "dataframe",
    "export",
    "fetch",
    "fetch_jobs",
    "head_revision",
    "health",
    "inventory",
    "load_settings",
    "populate",
    "require_healthy",
    "rows",
    "run_worker",
    "send_test_alert",
    "serve",
    "simulate",
    "simulated_client",
    "worker_schedule",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'darkhorses' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
