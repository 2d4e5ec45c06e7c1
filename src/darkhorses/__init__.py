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
    from darkhorses.config import Settings
    from darkhorses.database import Database, arrow, connect, dataframe, export, rows
    from darkhorses.errors import DarkHorsesError
    from darkhorses.ingest.controller import FetchReport
    from darkhorses.ops.export import ExportResult
    from darkhorses.pipeline import SyncFailed, fetch, populate
    from darkhorses.racing_api.client import RacingApiClient
    from darkhorses.racing_api.limiter import RateLimits
    from darkhorses.racing_api.sync import SyncRacingApiClient
    from darkhorses.simulator.client import simulated_client
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
}
"""Each public name and the module it lives in."""

__all__ = [
    "Database",
    "DarkHorsesError",
    "ExportResult",
    "FetchReport",
    "PopulateResult",
    "RacingApiClient",
    "RateLimits",
    "Settings",
    "SyncFailed",
    "SyncRacingApiClient",
    "__version__",
    "arrow",
    "connect",
    "dataframe",
    "export",
    "fetch",
    "populate",
    "rows",
    "simulated_client",
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
