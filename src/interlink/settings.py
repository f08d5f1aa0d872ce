"""Settings of the processes Interlink runs (the CLI, the embedded runner, later the server).

Two places, environment first:

- environment variables prefixed `INTERLINK_` (`INTERLINK_DATABASE_URL`,
  `INTERLINK_CONCURRENCY`, mappings as JSON: `INTERLINK_ROUTES='{"api.hubapi.com": ...}'`);
- one TOML file: `$INTERLINK_SETTINGS` when set (it must exist), else `interlink.toml`
  in the working directory when present.

```python
settings = load_settings()
store = open_store(settings.database_url)
```

A bad value stops with one `ConfigError` naming where it came from (the file or the
variable), the key, and what was expected. docs/cli.md lists every setting.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings import SettingsError as _SourceError

from interlink._errors import ConfigError
from interlink._redact import redact_url

__all__ = ["SETTINGS_FILE", "OAuthAppSettings", "Settings", "load_settings", "parse_duration"]

SETTINGS_FILE = "interlink.toml"
ENV_PREFIX = "INTERLINK_"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


def _duration(value: Any) -> Any:
    """`90` (seconds), `"90s"`, `"5m"`, `"2h"`, `"1d"`, or ISO 8601 (`"PT5M"`)."""
    if isinstance(value, str) and not value.startswith("P"):
        match = _DURATION.match(value)
        if match:
            return timedelta(seconds=float(match[1]) * _UNITS[match[2]])
        try:
            return timedelta(seconds=float(value))
        except ValueError:
            raise ValueError(
                "expected a duration: seconds (90), 90s, 5m, 2h, 1d or ISO 8601 (PT5M)"
            ) from None
    return value


def parse_duration(value: str) -> timedelta:
    """`90`, `90s`, `5m`, `2h`, `1d` or ISO 8601 (`PT5M`) as a timedelta; a ValueError
    saying what is expected otherwise (for a command-line option taking a duration)."""
    from pydantic import TypeAdapter

    try:
        parsed: timedelta = TypeAdapter(Duration).validate_python(value)
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise ValueError(message) from None
    return parsed


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be a positive duration")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]

# The settings file's values for the `Settings(...)` being built (sources are classmethods).
_FILE_VALUES: ContextVar[dict[str, Any] | None] = ContextVar(
    "interlink_settings_file", default=None
)


class OAuthAppSettings(BaseModel):
    """The product's OAuth app at one provider, for the hosted connect flow."""

    model_config = {"extra": "forbid", "frozen": True}

    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    """Never printed: a `SecretStr` shows as `**********`."""
    scopes: tuple[str, ...] | None = None
    """Scopes to ask for; None: the connector spec's."""


class Settings(BaseSettings):
    """Everything a deployment configures. Defaults run the embedded, zero-setup mode."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, validate_default=True
    )

    database_url: str = "sqlite:///./.interlink/interlink.db"
    """Where the store lives: `sqlite:///path` or `postgresql://user@host:port/db`."""
    key_file: Path = Path("./.interlink/secret.key")
    """The vault's key file (created 0600 on first use unless INTERLINK_SECRET_KEY is set)."""
    state: str = "memory"
    """Rate-limit, breaker and token state: `memory` (this process) or a `redis://` URL."""
    routes: dict[str, str] = Field(default_factory=dict)
    """Vendor host -> loopback base URL (`api.hubapi.com = "http://127.0.0.1:8900"`),
    to send a built-in connector's real URLs to a simulator."""
    oauth_apps: dict[str, OAuthAppSettings] = Field(default_factory=dict)
    """Provider -> the product's OAuth app there (`[oauth_apps.salesforce]` with
    `client_id`, `client_secret`, optional `scopes`): what `/connect` signs users in with."""
    lookback: Duration = timedelta(minutes=5)
    """Incremental runs start this long before the watermark, to catch late writes."""
    full_sync_every: Duration = timedelta(hours=24)
    """A full reconciliation (deletes by absence) runs at least this often."""
    default_interval: Duration = timedelta(minutes=15)
    """How often the scheduler syncs a resource unless `intervals` says otherwise."""
    intervals: dict[str, Duration] = Field(default_factory=dict)
    """Per `provider.resource` (or `provider`) sync interval, overriding `default_interval`."""
    concurrency: int = Field(default=8, ge=1, le=1024)
    """How many (connection, resource) runs the embedded runner runs at once."""
    runner: Literal["embedded", "celery"] = "embedded"
    """Where the syncs `interlink serve` starts run: `embedded` (in the server process) or
    `celery` (enqueued for `interlink worker`; serve then runs no scheduler of its own)."""
    broker_url: str | None = None
    """Celery broker of `interlink worker` (`redis://`, `amqp://`); default: the state's Redis."""
    result_backend: str | None = None
    """Celery result backend; default: the state's Redis."""
    queue: str = "interlink.sync"
    """The Celery queue sync jobs go through (one per deployment sharing a broker)."""
    lease_ttl: float = Field(default=30.0, ge=1.0)
    """Seconds a worker's lease on a (connection, resource) lasts unless renewed."""
    visibility_timeout: float = Field(default=3600.0, ge=1.0)
    """Redis broker: seconds before an unacknowledged job is handed out again."""
    redis_prefix: str = "interlink:"
    """Prefix of the keys every process keeps in Redis (breakers, tokens, locks, leases)."""
    request_timeout: float = Field(default=30.0, ge=0.1)
    """Seconds one vendor request may take before the pipeline retries it."""
    webhook_retention: Duration = timedelta(days=7)
    """How long a finished webhook event (and so its de-duplication key) is kept: a vendor's
    redelivery within this window is recognised; the processor purges what is older."""
    log_level: Literal["debug", "info", "warning", "error"] = "warning"
    log_json: bool = False

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("state")
    @classmethod
    def _state(cls, value: str) -> str:
        if value != "memory" and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be 'memory' or a redis:// URL")
        return value

    @field_validator("routes")
    @classmethod
    def _routes(cls, value: dict[str, str]) -> dict[str, str]:
        for host, base in value.items():
            if "/" in host or not host:
                raise ValueError(f"key {host!r} must be a bare host name (api.hubapi.com)")
            if not base.startswith(("http://", "https://")):
                raise ValueError(f"{host}: {base!r} must be an http(s):// base URL")
        return value

    @field_validator("lookback")
    @classmethod
    def _lookback(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative")
        return value

    @field_validator("full_sync_every", "default_interval", "webhook_retention")
    @classmethod
    def _positive_duration(cls, value: timedelta) -> timedelta:
        return _positive(value)

    @field_validator("intervals")
    @classmethod
    def _intervals(cls, value: dict[str, timedelta]) -> dict[str, timedelta]:
        for key, interval in value.items():
            if interval <= timedelta(0):
                raise ValueError(f"{key}: must be a positive duration")
            if not re.fullmatch(r"[a-z0-9_-]+(\.[A-Za-z0-9_-]+)?", key):
                raise ValueError(f"key {key!r} must be 'provider' or 'provider.resource'")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Command-line values (init) win over the environment, which wins over the file.
        return (
            init_settings,
            env_settings,
            InitSettingsSource(settings_cls, _FILE_VALUES.get() or {}),
        )

    def interval_for(self, provider: str, resource: str) -> timedelta:
        """The sync interval of `provider`'s `resource`."""
        return (
            self.intervals.get(f"{provider}.{resource}")
            or self.intervals.get(provider)
            or self.default_interval
        )


def _settings_path(environ: Mapping[str, str], cwd: Path) -> Path | None:
    given = environ.get(f"{ENV_PREFIX}SETTINGS")
    if given:
        path = Path(given)
        if not path.is_file():
            raise ConfigError(f"{ENV_PREFIX}SETTINGS", f"no settings file at {given}")
        return path
    default = cwd / SETTINGS_FILE
    return default if default.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(str(path), f"cannot be read: {exc.strerror}") from None


def _where(
    field: str, path: Path | None, environ: Mapping[str, str], cli: Mapping[str, Any]
) -> str:
    if field in cli:
        return f"--{field.replace('_', '-')}"
    variable = f"{ENV_PREFIX}{field.upper()}"
    if variable in environ or path is None:
        return variable
    return f"{path}: {field}"


def load_settings(
    path: Path | None = None,
    *,
    cwd: Path | None = None,
    **overrides: Any,
) -> Settings:
    """The settings from the environment and the settings file (`path`, else
    `$INTERLINK_SETTINGS`, else ./interlink.toml); `overrides` (command-line options;
    None means not given) win over both. A bad value raises `ConfigError` naming its
    source and key, and what was expected."""
    environ = os.environ
    if path is None:
        path = _settings_path(environ, cwd or Path.cwd())
    given = {key: value for key, value in overrides.items() if value is not None}
    token = _FILE_VALUES.set(_read_toml(path) if path is not None else {})
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise _explain(exc, path, environ, given) from None
    except _SourceError as exc:  # a mapping in the environment that is not JSON
        field = next((f for f in Settings.model_fields if f'"{f}"' in str(exc)), "?")
        raise ConfigError(
            f"{ENV_PREFIX}{field.upper()}", 'must be a JSON object, e.g. {"key": "value"}'
        ) from None
    finally:
        _FILE_VALUES.reset(token)


def _explain(
    exc: ValidationError, path: Path | None, environ: Mapping[str, str], cli: Mapping[str, Any]
) -> ConfigError:
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    field = loc[0] if loc else "?"
    if error["type"] == "extra_forbidden":
        known = ", ".join(Settings.model_fields)
        return ConfigError(f"{path}: {field}", f"is not a setting (known: {known})")
    inner = ".".join(loc[1:])
    message = str(error["msg"]).removeprefix("Value error, ")
    detail = f"{inner}: {message}" if inner else message
    where = _where(field, path, environ, cli)
    if field == "oauth_apps":  # the input holds a client secret: never echo it
        return ConfigError(where, detail)
    return ConfigError(where, f"{detail} (got {_shown(error)})")


def _shown(error: Any) -> str:
    value = error.get("input")
    # A URL may carry a password: show it redacted, never as given.
    text = redact_url(value) if isinstance(value, str) and "://" in value else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
