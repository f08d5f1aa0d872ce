"""Vendor error contracts: how a vendor says "this failed", and in which words.

Some vendors answer HTTP 200 to failures: Slack `{"ok": false, "error":
"invalid_auth"}`, Pipedrive `{"success": false, "error": "..."}`, GraphQL-ish
APIs `{"data": null, "errors": [...]}`. An `ErrorContract` declares that shape
once per provider and maps the vendor's error codes onto the error tree
(Slack `ratelimited` → `RateLimitedError`). It also knows where the vendor puts
its error code and message, so every error carries the vendor's own words.

`check` runs on every decoded 2xx body, so it is a few dict lookups; the rest
of this module runs only once a call has already failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from interlink._clock import Clock, SystemClock
from interlink._errors import (
    AuthError,
    BudgetExhaustedError,
    CircuitOpenError,
    ConfigError,
    ConflictError,
    FatalError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ReauthorizationRequired,
    RetryableError,
    ServerError,
    UpstreamError,
)
from interlink._types import JSON
from interlink.http._models import Response
from interlink.http._retry_after import retry_after_from
from interlink.http._vendor_text import describe, scrub_secrets

__all__ = ["DEFAULT_CONTRACT", "ERROR_KINDS", "ErrorContract"]

ERROR_KINDS: Mapping[str, type[UpstreamError]] = MappingProxyType(
    {
        "server": ServerError,
        "malformed": MalformedResponseError,
        "rate_limited": RateLimitedError,
        "auth": AuthError,
        "permission_denied": PermissionDeniedError,
        "reauthorize": ReauthorizationRequired,
        "not_found": NotFoundError,
        "conflict": ConflictError,
        "fatal": FatalError,
    }
)
"""The names a YAML spec uses for error classes, e.g. `codes: {ratelimited: rate_limited}`."""

_KIND_NAMES = ", ".join(ERROR_KINDS)
_SYSTEM_CLOCK = SystemClock()
Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ErrorContract:
    """How one vendor reports failures beyond the HTTP status.

    - `success_flag`: a 2xx body whose `body[success_flag]` is `false` failed
      (`"ok"` for Slack, `"success"` for Pipedrive).
    - `errors_field`: a 2xx body whose `body[errors_field]` is a non-empty
      array failed (`"errors"` for GraphQL-style APIs).
    - `code_path` / `message_path`: where the vendor's error code and message
      live (`("error",)` for Slack); when empty, the common shapes are tried
      (`message`, `error`, `error_description`, `errors[0].message`,
      Salesforce's `[{"message", "errorCode"}]`, Stripe's `error.message`).
    - `codes`: vendor error code → error class; wins over the HTTP status.
    - `no_data_statuses`: statuses whose empty body means "no data" rather
      than a malformed response (Zoho answers 204 to an empty listing).
    - `failure`: the class of a failed 2xx whose code is not in `codes`.
    """

    success_flag: str | None = None
    errors_field: str | None = None
    code_path: Path = ()
    message_path: Path = ()
    codes: Mapping[str, type[UpstreamError]] = field(default_factory=dict, hash=False)
    no_data_statuses: frozenset[int] = frozenset({204, 304})
    failure: type[UpstreamError] = FatalError

    def __post_init__(self) -> None:
        for code, cls in self.codes.items():
            _require_buildable(f"codes.{code}", cls)
        _require_buildable("failure", self.failure)
        # Freeze a caller's dict so the contract cannot change under the pipeline.
        object.__setattr__(self, "codes", MappingProxyType(dict(self.codes)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "errors") -> ErrorContract:
        """Build from a connector spec's `errors:` mapping (YAML), naming any bad key."""
        if not isinstance(data, Mapping):
            raise ConfigError(where, f"must be a mapping, got {type(data).__name__}")
        unknown = sorted(set(data) - _SPEC_KEYS)
        if unknown:
            allowed = ", ".join(sorted(_SPEC_KEYS))
            raise ConfigError(f"{where}.{unknown[0]}", f"unknown key (allowed: {allowed})")
        codes = data.get("codes") or {}
        if not isinstance(codes, Mapping):
            raise ConfigError(f"{where}.codes", "must be a mapping of vendor code to error kind")
        statuses = data.get("no_data_statuses", [204, 304])
        if not isinstance(statuses, list) or not all(_is_status(s) for s in statuses):
            raise ConfigError(
                f"{where}.no_data_statuses", f"must be a list of HTTP statuses, got {statuses!r}"
            )
        return cls(
            success_flag=_optional_str(data, "success_flag", where),
            errors_field=_optional_str(data, "errors_field", where),
            code_path=_path(data, "code", where),
            message_path=_path(data, "message", where),
            codes={str(c): _kind(k, f"{where}.codes.{c}") for c, k in codes.items()},
            no_data_statuses=frozenset(statuses),
            failure=_kind(data.get("failure", "fatal"), f"{where}.failure"),
        )

    def check(
        self, response: Response, body: JSON, *, provider: str, clock: Clock | None = None
    ) -> UpstreamError | None:
        """The error a decoded 2xx `body` reports under this contract, or None."""
        if type(body) is not dict:  # lists and scalars are data, never a failure envelope
            return None
        flag = self.success_flag
        failed = flag is not None and body.get(flag) is False
        if not failed and self.errors_field is not None:
            found = body.get(self.errors_field)
            failed = isinstance(found, list) and bool(found)
        if not failed:
            return None
        return self.error_for(response, body, provider=provider, default=self.failure, clock=clock)

    def error_for(
        self,
        response: Response,
        body: JSON,
        *,
        provider: str,
        default: type[UpstreamError],
        prefix: str = "",
        clock: Clock | None = None,
    ) -> UpstreamError:
        """Build the error for a failed `response`: the vendor's code may override `default`."""
        code, text = describe(body, self.code_path, self.message_path)
        cls = self.codes.get(code, default) if code is not None else default
        parts = [p for p in (prefix, code, text if text != code else None) if p]
        message = ": ".join(parts) or "vendor reported a failure"
        request = response.request
        message = scrub_secrets(message, request)
        error: UpstreamError
        if issubclass(cls, RetryableError):  # a 503 may say when to come back, too
            wait = retry_after_from(response.headers, (clock or _SYSTEM_CLOCK).time())
            error = cls(
                message, retry_after=wait, provider=provider, request=request, response=response
            )
        else:
            error = cls(message, provider=provider, request=request, response=response)
        if error.body is not None:
            error.body = scrub_secrets(error.body, request)
        return error


_SPEC_KEYS = frozenset(
    {"success_flag", "errors_field", "code", "message", "codes", "no_data_statuses", "failure"}
)


def _require_buildable(where: str, cls: object) -> None:
    # These two need constructor arguments a vendor body cannot supply.
    if not (isinstance(cls, type) and issubclass(cls, UpstreamError)) or issubclass(
        cls, BudgetExhaustedError | CircuitOpenError
    ):
        raise ConfigError(where, f"must be one of the error classes of ERROR_KINDS, got {cls!r}")


def _kind(name: object, where: str) -> type[UpstreamError]:
    if not isinstance(name, str) or name not in ERROR_KINDS:
        raise ConfigError(where, f"unknown error kind {name!r} (expected one of: {_KIND_NAMES})")
    return ERROR_KINDS[name]


def _optional_str(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{where}.{key}", f"must be a non-empty string, got {value!r}")
    return value


def _path(data: Mapping[str, Any], key: str, where: str) -> Path:
    """`"errors.0.code"` → `("errors", 0, "code")`."""
    value = _optional_str(data, key, where)
    if value is None:
        return ()
    if any(not part for part in value.split(".")):
        raise ConfigError(
            f"{where}.{key}", f"must be a dotted path like 'error.code', got {value!r}"
        )
    return tuple(int(part) if part.isdigit() else part for part in value.split("."))


def _is_status(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599


DEFAULT_CONTRACT = ErrorContract()
"""Status-based classification with the common message shapes; no 2xx envelope."""
