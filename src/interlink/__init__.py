"""Interlink: many third-party REST APIs, one resilient, unified road.

The curated public surface. Everything here is stable API; modules with a
leading underscore are private. Subpackages (`interlink.http`,
`interlink.auth`, `interlink.ratelimit`, `interlink.retry`, `interlink.breaker`,
`interlink.pagination`, `interlink.state`, `interlink.errors`,
`interlink.connectors`, `interlink.client`, `interlink.simulators`) expose
the finer-grained pieces.
"""

from __future__ import annotations

from interlink._clock import Clock, FakeClock, SystemClock
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
from interlink._pipeline import Pipeline, PipelineStats
from interlink.auth import (
    APIKeyAuth,
    BasicAuth,
    BearerAuth,
    ClientCredentialsAuth,
    OAuth2Client,
    RefreshTokenAuth,
    TokenSet,
)
from interlink.breaker import BreakerConfig, CircuitBreaker
from interlink.client import Connection, SyncConnection, connect, connect_sync
from interlink.connectors import ConnectorRegistry, ConnectorSpec, SpecError
from interlink.http import (
    AiohttpTransport,
    ASGITransport,
    ErrorContract,
    MockTransport,
    Request,
    Response,
    Transport,
)
from interlink.pagination import (
    CursorPagination,
    HeaderCursorPagination,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    Page,
    PageNumberPagination,
    SinglePage,
    TimeWindowPagination,
    paginate,
)
from interlink.ratelimit import Budget, LeakyBucket, RateLimiter, TokenBucket, Window
from interlink.retry import RetryPolicy
from interlink.state import State

__version__ = "0.1.0"

__all__ = [
    "APIKeyAuth",
    "ASGITransport",
    "AiohttpTransport",
    "AuthError",
    "BasicAuth",
    "BearerAuth",
    "BreakerConfig",
    "Budget",
    "BudgetExhaustedError",
    "CircuitBreaker",
    "CircuitOpenError",
    "ClientCredentialsAuth",
    "Clock",
    "ConfigError",
    "ConflictError",
    "ConnectError",
    "Connection",
    "ConnectorRegistry",
    "ConnectorSpec",
    "CursorPagination",
    "ErrorContract",
    "FakeClock",
    "FatalError",
    "HeaderCursorPagination",
    "InterlinkError",
    "LeakyBucket",
    "LinkHeaderPagination",
    "MalformedResponseError",
    "MockTransport",
    "NextUrlPagination",
    "NotFoundError",
    "OAuth2Client",
    "OffsetPagination",
    "Page",
    "PageNumberPagination",
    "PaginationError",
    "PermissionDeniedError",
    "Pipeline",
    "PipelineStats",
    "RateLimitedError",
    "RateLimiter",
    "ReauthorizationRequired",
    "RefreshTokenAuth",
    "Request",
    "Response",
    "RetryPolicy",
    "RetryableError",
    "ServerError",
    "SinglePage",
    "SpecError",
    "State",
    "SyncConnection",
    "SystemClock",
    "TimeWindowPagination",
    "TimeoutError",
    "TokenBucket",
    "TokenSet",
    "Transport",
    "TransportError",
    "UpstreamError",
    "Window",
    "__version__",
    "connect",
    "connect_sync",
    "paginate",
]
