"""Injected failures: 5xx, slow and hanging responses, dropped connections, truncated bodies,
invalid JSON and schema drift.

Whether request *n* fails, and how, is drawn from one stream seeded by the fault seed, so a test
that makes the same requests in the same order meets the same failures. Schema drift changes a
body the way an API upgrade would: an unknown field appears, an optional field disappears, or a
nullable field turns ``null``; a tolerant client must still parse it.
"""

from __future__ import annotations

import random
from typing import Any

from darkhorses.simulator.config import FAULT_KINDS, FaultConfig
from darkhorses.simulator.rng import derive_seed

# Optional (not required) fields of the vendor schemas that a drifting API might drop or null.
OPTIONAL_FIELDS = ("off_dt", "jumps", "surface", "silk_url", "trainer_location", "tip", "verdict",
                   "betting_forecast", "comments", "non_runners", "tote_win", "tote_pl", "spotlight",
                   "comment", "sex_restriction", "big_race", "dam_region", "sire_region", "breeder")
UNKNOWN_FIELD = "sim_added_field"


class Faults:
    """Decides, request by request, which fault (if any) to inject."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(derive_seed("faults", config.seed))

    def draw(self) -> str | None:
        """The fault for the next request, or None. One uniform draw per request keeps it stable."""
        if not self.config.any():
            return None
        roll = self._rng.random()
        for kind in FAULT_KINDS:
            rate = getattr(self.config, kind)
            if roll < rate:
                return kind
            roll -= rate
        return None

    def server_error_status(self) -> int:
        return self._rng.choice((500, 502, 503, 504))

    def drift(self, body: Any) -> Any:
        """``body`` (a freshly decoded copy) with one kind of drift applied to each item (or to it)."""
        drifted = body
        for item in _items(drifted):
            action = self._rng.randrange(3)
            present = [key for key in OPTIONAL_FIELDS if key in item]
            if action == 0 or not present:
                item[UNKNOWN_FIELD] = "unexpected"
            elif action == 1:
                del item[self._rng.choice(present)]
            else:
                item[self._rng.choice(present)] = None
        return drifted


def _items(body: Any) -> list[dict[str, Any]]:
    """The objects a drift touches: list items of an envelope, or the object itself."""
    if isinstance(body, list):
        return [item for item in body if isinstance(item, dict)]
    if isinstance(body, dict):
        lists = [value for value in body.values() if isinstance(value, list) and value
                 and isinstance(value[0], dict)]
        return [item for value in lists for item in value] if lists else [body]
    return []
