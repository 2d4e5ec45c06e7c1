"""The request side of the contract: parameters, their bounds and defaults, and error bodies.

Parameter names, bounds and defaults follow the OpenAPI specs; unknown parameters are ignored
(as the real API ignores them) and the ``query`` echo lists the declared parameters the caller
sent, in the order sent, as ``[name, value]`` string pairs. Validation errors are FastAPI's:
Pydantic v1 wording for the 2025 dialect (as recorded), v2 wording for 2026.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

Body = dict[str, Any]


@dataclass(frozen=True)
class Param:
    """One declared query parameter. ``kind`` is ``str``, ``int`` or ``list`` (repeated key)."""

    name: str
    kind: str = "str"
    required: bool = False
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None


class ContractError(Exception):
    """A request the API refuses: carries the status and the JSON body to send."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


NOT_FOUND = {"detail": "Not Found"}


def not_found() -> ContractError:
    return ContractError(404, NOT_FOUND)


def detail_error(status: int, message: str) -> ContractError:
    """A business-rule refusal (date window, plan): ``{"detail": "<text>"}``."""
    return ContractError(status, {"detail": message})


def _error(dialect: str, name: str, kind: str, raw: str | None, limit: int | None = None) -> Body:
    loc = ["query", name]
    if dialect == "2025":
        return {
            "missing": {"loc": loc, "msg": "field required", "type": "value_error.missing"},
            "int": {"loc": loc, "msg": "value is not a valid integer", "type": "type_error.integer"},
            "ge": {"loc": loc, "msg": f"ensure this value is greater than or equal to {limit}",
                   "type": "value_error.number.not_ge", "ctx": {"limit_value": limit}},
            "le": {"loc": loc, "msg": f"ensure this value is less than or equal to {limit}",
                   "type": "value_error.number.not_le", "ctx": {"limit_value": limit}},
        }[kind]
    return {
        "missing": {"type": "missing", "loc": loc, "msg": "Field required", "input": None},
        "int": {"type": "int_parsing", "loc": loc,
                "msg": "Input should be a valid integer, unable to parse string as an integer", "input": raw},
        "ge": {"type": "greater_than_equal", "loc": loc, "msg": f"Input should be greater than or equal to {limit}",
               "input": raw, "ctx": {"ge": limit}},
        "le": {"type": "less_than_equal", "loc": loc, "msg": f"Input should be less than or equal to {limit}",
               "input": raw, "ctx": {"le": limit}},
    }[kind]


def parse_query(
    params: tuple[Param, ...], pairs: list[tuple[str, str]], dialect: str
) -> tuple[dict[str, Any], list[list[str]]]:
    """Values for the declared parameters and the ``query`` echo; 422 listing every bad one."""
    declared = {p.name: p for p in params}
    echo = [[name, value] for name, value in pairs if name in declared]
    values: dict[str, Any] = {}
    errors: list[Body] = []
    for p in params:
        sent = [value for name, value in pairs if name == p.name]
        if not sent:
            if p.required:
                errors.append(_error(dialect, p.name, "missing", None))
            values[p.name] = p.default
            continue
        if p.kind == "list":
            values[p.name] = sent
            continue
        raw = sent[-1]
        if p.kind == "int":
            try:
                number = int(raw)
            except ValueError:
                errors.append(_error(dialect, p.name, "int", raw))
                continue
            if p.minimum is not None and number < p.minimum:
                errors.append(_error(dialect, p.name, "ge", raw, p.minimum))
            elif p.maximum is not None and number > p.maximum:
                errors.append(_error(dialect, p.name, "le", raw, p.maximum))
            values[p.name] = number
        else:
            values[p.name] = raw
    if errors:
        raise ContractError(422, {"detail": errors})
    return values, echo


def parse_date(value: str, name: str) -> dt.date:
    """``YYYY-MM-DD``; anything else is a 422 naming the parameter."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise detail_error(422, f"Invalid {name}: expected YYYY-MM-DD, got {value!r}") from None


def page(items: list[Any], skip: int, limit: int) -> list[Any]:
    return items[skip: skip + limit]


@dataclass(frozen=True, slots=True)
class Encoded:
    """A body that is already JSON: a cached fragment or a page spliced from fragments."""

    data: bytes


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """JSON as FastAPI renders it (compact, UTF-8), so bodies are byte-stable."""
    return Response(encode(body), status_code=status, headers=headers, media_type="application/json")


def encode(body: Any) -> bytes:
    """Compact UTF-8 JSON; an :class:`Encoded` body is passed through as it is."""
    if isinstance(body, Encoded):
        return body.data
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def envelope(key: str, pieces: list[bytes], total: int, limit: int, skip: int, query: list[list[str]]) -> Encoded:
    """``{key: [...], total, limit, skip, query}`` spliced from encoded items (no re-encoding)."""
    head = b'{"' + key.encode() + b'":[' + b",".join(pieces)
    tail = b'],"total":%d,"limit":%d,"skip":%d,"query":' % (total, limit, skip)
    return Encoded(head + tail + encode(query) + b"}")


# -- parameter sets --------------------------------------------------------------------------------

RESULT_FILTERS = (
    Param("start_date"), Param("end_date"), Param("region", "list"), Param("course", "list"),
    Param("type", "list"), Param("going", "list"), Param("race_class", "list"),
    Param("min_distance_y", "int"), Param("max_distance_y", "int"), Param("age_band", "list"),
    Param("sex_restriction", "list"),
)


def results_paging(dialect: str, skip_max: int | None = 20_000) -> tuple[Param, ...]:
    """Results-type ``limit``/``skip``: default 25, max 50 in 2025; default 50, max 100 in 2026."""
    default, maximum = (25, 50) if dialect == "2025" else (50, 100)
    return (Param("limit", "int", default=default, minimum=1, maximum=maximum),
            Param("skip", "int", default=0, minimum=0, maximum=skip_max))


RACECARD_PRO = (Param("date"), Param("region_codes", "list"), Param("course_ids", "list"),
                Param("limit", "int", default=500, minimum=1, maximum=500),
                Param("skip", "int", default=0, minimum=0, maximum=500))
COURSES = (Param("region_codes", "list"),)
SEARCH = (Param("name", required=True),)
