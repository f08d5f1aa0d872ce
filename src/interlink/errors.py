"""The public error tree (see `interlink._errors` for the drawing)."""

from __future__ import annotations

from interlink._errors import (
    AuthError,
    BudgetExhaustedError,
    CircuitOpenError,
    ConfigError,
    ConflictError,
    ConnectError,
    FatalError,
    InterlinkError,
    MalformedResponseError,
    MappingError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitedError,
    ReauthorizationRequired,
    RetryableError,
    ServerError,
    TimeoutError,
    TransportError,
    UpstreamError,
)
from interlink._errors import __doc__ as _tree

__doc__ = _tree
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
    "TimeoutError",
    "TransportError",
    "UpstreamError",
]
