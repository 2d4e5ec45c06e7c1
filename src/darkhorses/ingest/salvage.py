"""Keep the good records of a page the client refused as a whole.

The client validates a page in one go, so a single malformed record (a wrong type, a missing id)
fails the whole page with :class:`BadPayload`. Retrying cannot help, and dropping the page's
other races is exactly the silent loss the old scripts suffered. So the page's raw JSON is
validated record by record: valid records load, each invalid one is quarantined with the reason
and its raw JSON. Only a page that holds its whole match set can be salvaged this way; for any
other the error stands and the unit fails loudly.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from darkhorses.ingest.transform import Quarantined
from darkhorses.racing_api.errors import BadPayload

M = TypeVar("M", bound=BaseModel)


def _whole_match_set(body: dict[str, Any], items: list[Any]) -> bool:
    return body.get("total") == len(items) and body.get("skip") in (None, 0)


def _record_key(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("race_id"), str):
        return item["race_id"]
    return f"item {index}"


def salvage(error: BadPayload, envelope: str, model: type[M]) -> tuple[list[M], list[Quarantined]]:
    """The valid ``envelope`` items of the refused page, and the invalid ones quarantined.

    Re-raises ``error`` when the body is not JSON, is not a complete single page, or has no
    invalid item (then the envelope itself is wrong, not a record).
    """
    try:
        body = json.loads(error.raw)
    except ValueError:
        raise error from None
    items = body.get(envelope) if isinstance(body, dict) else None
    if not isinstance(items, list) or not _whole_match_set(body, items):
        raise error
    valid: list[M] = []
    refused: list[Quarantined] = []
    for index, item in enumerate(items):
        try:
            valid.append(model.model_validate(item))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "record"
            refused.append(Quarantined(record_key=_record_key(item, index),
                                       reason=f"{error.path}: {envelope}[{index}].{where}: {problem['msg']}",
                                       raw=json.dumps(item, sort_keys=True)))
    if not refused:
        raise error
    return valid, refused
