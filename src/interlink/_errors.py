"""Every failure Interlink reports, grouped by what the caller should do.

```
InterlinkError
├── ConfigError                  fix the declaration (auth, policy, paginator, spec)
├── MappingError                 one vendor record does not fit its mapping: skip it,
│                                keep the others, report it (connection, resource,
│                                remote id, field, the offending value's type)
├── StoreError                   the store is unreachable, misconfigured, or refused a row
├── VaultError                   the secret key is missing or corrupt, or a credential
│                                does not decrypt: stop, never overwrite encrypted data
└── UpstreamError                a vendor call failed; carries provider, method,
    │                            redacted URL, upstream status, truncated body
    ├── RetryableError           try again (the pipeline already did, within budget)
    │   ├── TransportError       no usable response
    │   │   ├── ConnectError         could not connect / connection reset
    │   │   └── TimeoutError         no response in time
    │   ├── ServerError          5xx or 408
    │   ├── MalformedResponseError   truncated or invalid JSON where JSON was due
    │   ├── RateLimitedError     429 or a vendor pause; `retry_after` seconds
    │   │   └── BudgetExhaustedError a daily budget is spent; `resets_at` epoch
    │   └── CircuitOpenError     the breaker is open; `retry_after` seconds
    ├── AuthError                credentials rejected: fix or re-authorize
    │   ├── PermissionDeniedError    403: authenticated, not allowed
    │   └── ReauthorizationRequired  refresh token dead (invalid_grant)
    ├── NotFoundError            404 / 410: skip it
    ├── ConflictError            409 / 412: re-read, then decide
    └── FatalError               400, 422, other 4xx, vendor error contracts
        └── PaginationError      the vendor's pagination misbehaved (loop, foreign host)
```

`retryable` is a class attribute, so `except RetryableError` and
`err.retryable` agree. Every `UpstreamError` renders as RFC 9457 problem
details with `to_problem()`.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from interlink.http._models import Request, Response

__all__ = [
    "AuthError",
    "BudgetExhaustedError",
    "CircuitOpenError",
    "ConfigError",
    "ConflictError",
    "ConnectError",
    "FatalError",
    "InterlinkError",
    "MalformedResponseError",
    "MappingError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ReauthorizationRequired",
    "RetryableError",
    "ServerError",
    "StoreError",
    "TimeoutError",
    "TransportError",
    "UpstreamError",
    "VaultError",
]

BODY_EXCERPT_LIMIT = 2048
PROBLEM_BASE = "https://interlink.dev/problems/"


class InterlinkError(Exception):
    """Base of every error Interlink raises."""

    retryable: ClassVar[bool] = False


class _ProblemError(InterlinkError):
    """An error with a message for people and RFC 9457 problem details for programs.

    Subclasses set the class attributes and add their own non-null fields
    through `_problem_extras`; the five standard members are built here once.
    """

    problem_type: ClassVar[str] = "error"
    title: ClassVar[str] = "Error"
    http_status: ClassVar[int] = 500

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def _problem_extras(self) -> dict[str, Any]:
        return {}

    def to_problem(self) -> dict[str, Any]:
        """RFC 9457 problem details: never credentials, never vendor values."""
        problem: dict[str, Any] = {
            "type": PROBLEM_BASE + self.problem_type,
            "title": self.title,
            "status": self.http_status,
            "detail": str(self),
            "retryable": self.retryable,
        }
        problem.update((k, v) for k, v in self._problem_extras().items() if v is not None)
        return problem


class ConfigError(InterlinkError, ValueError):
    """A declaration is invalid. `where` names the field (e.g. `auth.token_url`)."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class StoreError(InterlinkError):
    """The store cannot do what was asked: a bad URL (password redacted), an unreachable
    database, a schema newer than this code, or a row that refers to nothing."""


class VaultError(InterlinkError):
    """Credentials cannot be sealed or opened: no key, a corrupt key file, a wrong key.

    Never carries plaintext; never followed by overwriting what is encrypted.
    """


class MappingError(_ProblemError):
    """One vendor record could not be mapped to (or from) its unified model.

    Its own group, because what the caller should do differs from every other
    branch: skip this record, keep mapping the rest of the page, and report
    it. It is not an `UpstreamError` (the vendor call succeeded, and calling
    again returns the same record, so it is neither retryable nor a refused
    request that should abort the call), nor a `ConfigError` (the declaration
    compiled; this record is what it did not foresee). The message names the
    provider, connection, resource, remote id and field, and the type of the
    offending value, never the value itself: vendor data stays out of logs.
    """

    problem_type: ClassVar[str] = "mapping-failed"
    title: ClassVar[str] = "Vendor record could not be mapped"
    http_status: ClassVar[int] = 502

    def __init__(
        self,
        problem: str,
        *,
        provider: str | None = None,
        resource: str | None = None,
        connection_id: str | None = None,
        remote_id: str | None = None,
        field: str | None = None,
        value_type: str | None = None,
    ) -> None:
        self.problem = problem
        self.provider = provider
        self.resource = resource
        self.connection_id = connection_id
        self.remote_id = remote_id
        self.field = field
        self.value_type = value_type
        super().__init__(problem)

    def __str__(self) -> str:
        record = f"{self.provider or '?'}.{self.resource or '?'} record {self.remote_id or '?'}"
        connection = f" of connection {self.connection_id}" if self.connection_id else ""
        field = f", field {self.field!r}" if self.field else ""
        got = f" (got {self.value_type})" if self.value_type else ""
        return f"{record}{connection}{field}: {self.problem}{got}"

    def _problem_extras(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "resource": self.resource,
            "remote_id": self.remote_id,
            "field": self.field,
        }


class UpstreamError(_ProblemError):
    """A vendor call failed. Base of every error that involves a vendor."""

    problem_type: ClassVar[str] = "upstream-error"
    title: ClassVar[str] = "Vendor call failed"
    http_status: ClassVar[int] = 502

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        request: Request | None = None,
        response: Response | None = None,
        upstream_status: int | None = None,
    ) -> None:
        self.message = message
        self.provider = provider
        self.request = request
        self.response = response
        self.method = request.method if request is not None else None
        self.url = request.redacted_url if request is not None else None
        if upstream_status is None and response is not None:
            upstream_status = response.status
        self.upstream_status = upstream_status
        self.body = _body_excerpt(response) if response is not None else None
        super().__init__(message)

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        who = f"{self.provider}: " if self.provider else ""
        status = f" [upstream {self.upstream_status}]" if self.upstream_status else ""
        return f"{who}{self.message}{status}{where}"

    def _problem_extras(self) -> dict[str, Any]:
        return {"provider": self.provider, "upstream_status": self.upstream_status}


class RetryableError(UpstreamError):
    """Transient: the same call may succeed later, not before `retry_after` seconds if given."""

    retryable = True
    problem_type = "upstream-unavailable"
    title = "Vendor temporarily unavailable"
    http_status = 503

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)

    def _problem_extras(self) -> dict[str, Any]:
        return {**super()._problem_extras(), "retry_after": self.retry_after}


class TransportError(RetryableError):
    """No usable HTTP response (network failure)."""

    problem_type = "upstream-unreachable"
    title = "Vendor unreachable"


class ConnectError(TransportError):
    """The connection failed or was reset."""


class TimeoutError(TransportError, builtins.TimeoutError):  # also a builtins.TimeoutError
    """The vendor did not answer in time."""

    problem_type = "upstream-timeout"
    title = "Vendor timed out"
    http_status = 504


class ServerError(RetryableError):
    """The vendor answered 5xx (or 408)."""


class MalformedResponseError(RetryableError):
    """A body that had to be JSON was truncated or invalid: never an empty page."""

    problem_type = "upstream-malformed"
    title = "Vendor sent a malformed response"
    http_status = 502


class RateLimitedError(RetryableError):
    """The vendor (or our own pre-emptive limiter) says: not before `retry_after` seconds."""

    problem_type = "upstream-rate-limited"
    title = "Vendor rate limit reached"
    http_status = 429


class BudgetExhaustedError(RateLimitedError):
    """A long-window budget (e.g. daily) is spent until `resets_at` (epoch seconds).

    A sync catches this to checkpoint and stop cleanly as deferred.
    """

    problem_type = "upstream-budget-exhausted"
    title = "Vendor API budget exhausted"

    def __init__(self, message: str, *, resets_at: float, **kw: Any) -> None:
        self.resets_at = resets_at
        super().__init__(message, **kw)

    def _problem_extras(self) -> dict[str, Any]:
        return {**super()._problem_extras(), "resets_at": self.resets_at}


class CircuitOpenError(RetryableError):
    """The breaker for this (provider, connection) is open: failing fast."""

    problem_type = "circuit-open"
    title = "Vendor circuit open"


class AuthError(UpstreamError):
    """The vendor rejected the credentials, after one forced refresh where possible."""

    problem_type = "upstream-auth-failed"
    title = "Vendor rejected the credentials"
    http_status = 502


class PermissionDeniedError(AuthError):
    """Authenticated, but not allowed to do this (403)."""

    problem_type = "upstream-forbidden"
    title = "Vendor denied permission"


class ReauthorizationRequired(AuthError):  # noqa: N818 - reads as the state the user must fix
    """The grant is dead (e.g. `invalid_grant`): the end user must connect again."""

    problem_type = "reauthorization-required"
    title = "Re-authorization needed"


class NotFoundError(UpstreamError):
    """The vendor has no such resource (404, 410)."""

    problem_type = "upstream-not-found"
    title = "Not found at the vendor"
    http_status = 404


class ConflictError(UpstreamError):
    """The vendor refused a write because of a conflicting state (409, 412)."""

    problem_type = "upstream-conflict"
    title = "Conflict at the vendor"
    http_status = 409


class FatalError(UpstreamError):
    """The vendor refused the request as invalid: retrying cannot help."""

    problem_type = "upstream-rejected"
    title = "Vendor rejected the request"
    http_status = 502


class PaginationError(FatalError):
    """The vendor's pagination misbehaved (a repeated cursor, a foreign next link)."""

    problem_type = "upstream-pagination"
    title = "Vendor pagination failed"


def _body_excerpt(response: Response) -> str:
    # A token endpoint's body can hold credentials: keep only its error fields.
    if response.request.purpose == "auth":
        try:
            data = response.json()
        except ValueError:
            return "[token endpoint body redacted]"
        if not isinstance(data, dict):
            return "[token endpoint body redacted]"
        kept = {k: data[k] for k in ("error", "error_description") if k in data}
        return str(kept) if kept else "[token endpoint body redacted]"
    return _excerpt(response.content)


def _excerpt(content: bytes) -> str:
    text = content[:BODY_EXCERPT_LIMIT].decode("utf-8", errors="replace")
    if len(content) > BODY_EXCERPT_LIMIT:
        text += f"... [{len(content) - BODY_EXCERPT_LIMIT} more bytes]"
    return text
