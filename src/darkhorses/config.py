"""Settings from the environment and ``.env``.

Every knob a user may need to change without editing code lives here: credentials (kept as
``SecretStr`` so they never print), the API base URL (so the simulator can stand in), the
database, the regions, the account's plan and the per-endpoint rate limits.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from darkhorses.errors import ConfigError

Plan = Literal["free", "basic", "standard", "pro"]
PLAN_ORDER: tuple[Plan, ...] = ("free", "basic", "standard", "pro")
DEFAULT_BASE_URL = "https://api.theracingapi.com"


def plan_includes(plan: Plan, minimum: Plan) -> bool:
    """Whether ``plan`` is at or above ``minimum``."""
    return PLAN_ORDER.index(plan) >= PLAN_ORDER.index(minimum)


def _env(name: str) -> AliasChoices:
    """Accept both the documented environment name and the field name (for code and tests)."""
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """All runtime configuration. Built once per command by :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    racing_api_username: SecretStr | None = Field(None, validation_alias=_env("RACING_API_USERNAME"))
    racing_api_password: SecretStr | None = Field(None, validation_alias=_env("RACING_API_PASSWORD"))
    racing_api_base_url: str = Field(DEFAULT_BASE_URL, validation_alias=_env("RACING_API_BASE_URL"))
    racing_api_plan: Plan = Field("pro", validation_alias=_env("RACING_API_PLAN"))
    racing_api_history_addon: bool = Field(False, validation_alias=_env("RACING_API_HISTORY_ADDON"))
    racing_api_timeout_seconds: float = Field(30.0, validation_alias=_env("RACING_API_TIMEOUT_SECONDS"))
    racing_api_results_page_limit: int = Field(
        100, ge=1, le=100, validation_alias=_env("RACING_API_RESULTS_PAGE_LIMIT")
    )
    """Results per page: 100 on the current API; 50 for a server that follows the 2025 contract."""

    database_url: str = Field("sqlite:///darkhorses.db", validation_alias=_env("DATABASE_URL"))

    regions: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["gb", "ire"], validation_alias=_env("DARKHORSES_REGIONS")
    )

    # Requests per second per endpoint family (The Racing API 2026 limits), a global cap across
    # all endpoints, and a cap per rolling 10 s kept below Cloudflare's 100-request IP block.
    rate_limit_default: float = Field(5.0, gt=0, validation_alias=_env("DARKHORSES_RATE_LIMIT_DEFAULT"))
    rate_limit_racecards: float = Field(2.0, gt=0, validation_alias=_env("DARKHORSES_RATE_LIMIT_RACECARDS"))
    rate_limit_reference: float = Field(1.0, gt=0, validation_alias=_env("DARKHORSES_RATE_LIMIT_REFERENCE"))
    rate_limit_global: float = Field(8.0, gt=0, validation_alias=_env("DARKHORSES_RATE_LIMIT_GLOBAL"))
    rate_limit_per_10s: int = Field(90, gt=0, le=100, validation_alias=_env("DARKHORSES_RATE_LIMIT_PER_10S"))
    rate_limit_cooloff_seconds: float = Field(
        300.0, ge=0, validation_alias=_env("DARKHORSES_RATE_LIMIT_COOLOFF_SECONDS")
    )
    max_attempts: int = Field(5, ge=1, validation_alias=_env("DARKHORSES_MAX_ATTEMPTS"))

    log_dir: Path = Field(Path("logs"), validation_alias=_env("DARKHORSES_LOG_DIR"))
    # JSON run files older than this many days are deleted after each worker job; 0 keeps them all.
    run_file_retention_days: int = Field(90, ge=0, validation_alias=_env("DARKHORSES_RUN_FILE_RETENTION_DAYS"))
    archive_dir: Path = Field(Path("archive"), validation_alias=_env("DARKHORSES_ARCHIVE_DIR"))
    archive_enabled: bool = Field(True, validation_alias=_env("DARKHORSES_ARCHIVE"))
    # The London date a fetch takes as today (YYYY-MM-DD): replay a past day against the simulator
    # (`darkhorses simulate --today`), or pin a test's date. Unset: the real date.
    today: dt.date | None = Field(None, validation_alias=_env("DARKHORSES_TODAY"))

    # `darkhorses serve` needs it to listen beyond loopback: a bearer token or the login form's password.
    dashboard_token: SecretStr | None = Field(None, validation_alias=_env("DARKHORSES_DASHBOARD_TOKEN"))
    alert_urls: SecretStr | None = Field(None, validation_alias=_env("DARKHORSES_ALERT_URLS"))
    """Apprise URLs that receive alerts (``slack://…``, ``mailtos://…``, ``json://host/path``),
    separated by spaces or commas as Apprise reads them. Secret: the URLs carry tokens."""

    @field_validator("regions", mode="before")
    @classmethod
    def _split_regions(cls, value: object) -> object:
        """Accept ``gb,ire`` from the environment as well as a list; codes are lower case."""
        if isinstance(value, str):
            value = [part for part in value.replace(" ", ",").split(",") if part]
        if isinstance(value, list):
            return [str(part).strip().lower() for part in value]
        return value

    @field_validator("racing_api_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def credentials(self) -> tuple[str, str]:
        """The Basic-auth pair, or a :class:`ConfigError` saying which settings to set: the one
        check every command that talks to the API makes before it opens anything."""
        username = self.racing_api_username.get_secret_value() if self.racing_api_username else ""
        password = self.racing_api_password.get_secret_value() if self.racing_api_password else ""
        if not (username and password):
            raise ConfigError("no Racing API credentials: set RACING_API_USERNAME and RACING_API_PASSWORD "
                              "(or try `darkhorses demo`)")
        return username, password

    def alerts_configured(self) -> bool:
        """True when ``DARKHORSES_ALERT_URLS`` names at least one target."""
        return bool(self.alert_urls and self.alert_urls.get_secret_value().strip())

    def plan_includes(self, minimum: Plan) -> bool:
        """Whether the configured plan is at or above ``minimum``."""
        return plan_includes(self.racing_api_plan, minimum)


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation failure into one readable line (no traceback)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "settings"
        raise ConfigError(f"invalid setting {where.upper()}: {first.get('msg', 'invalid value')}") from None
