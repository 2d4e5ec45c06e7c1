"""Typed failures of The Racing API client.

Every failure the client can meet maps to exactly one class here, so callers branch on the type
(``except NotFound`` to fall back from a horse's Pro profile to the standard one) and the CLI
prints ``str(error)`` as one line a user can act on. Messages name the endpoint path and never
carry credentials: the client builds them from the path and query only, and redacts response text.
"""

from __future__ import annotations

from darkhorses.errors import DarkHorsesError


class RacingApiError(DarkHorsesError):
    """Root of every client failure; carries the endpoint path and HTTP status when there was one."""

    retryable: bool = False

    def __init__(self, message: str, *, path: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.status = status


class AuthError(RacingApiError):
    """The API refused the credentials (401/403) on an endpoint the configured plan includes."""

    exit_code = 2


class PlanError(RacingApiError):
    """A 401 on an endpoint above the configured plan: the account cannot use it."""

    exit_code = 2


class NotFound(RacingApiError):
    """404: unknown id, a result not published yet, or a horse without a Pro profile."""


class InvalidRequest(RacingApiError):
    """422 or another 4xx: the request itself is wrong (missing or out-of-range parameter)."""


class RateLimited(RacingApiError):
    """429 on every attempt, cool-offs included: the account or IP is being throttled."""

    retryable = True


class ServerError(RacingApiError):
    """5xx, timeout or connection failure on every attempt."""

    retryable = True


class Unreachable(RacingApiError):
    """Connection failures in a row with no answer in between: the API (or the network to it) is
    down. Not retried per unit: a run that meets it stops, and rerunning the same command resumes."""

    exit_code = 4


class BadPayload(RacingApiError):
    """A 2xx body that is not JSON or does not fit the model; keeps the raw text for quarantine.

    Only a body that is not JSON at all is ``retryable`` (set per instance by the parser).
    """

    def __init__(self, message: str, *, path: str = "", status: int | None = None, raw: str = "") -> None:
        super().__init__(message, path=path, status=status)
        self.raw = raw
