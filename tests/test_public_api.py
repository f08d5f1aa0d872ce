"""The curated public surface: what users may import, guarded against accidental change."""

from __future__ import annotations

import importlib

import pytest

import interlink

PUBLIC_PACKAGES = [
    "interlink",
    "interlink.auth",
    "interlink.breaker",
    "interlink.client",
    "interlink.connectors",
    "interlink.errors",
    "interlink.http",
    "interlink.mapping",
    "interlink.models",
    "interlink.pagination",
    "interlink.ratelimit",
    "interlink.retry",
    "interlink.server",
    "interlink.settings",
    "interlink.simulators",
    "interlink.state",
    "interlink.store",
    "interlink.sync",
    "interlink.vault",
    "interlink.webhooks",
]

TOP_LEVEL = {
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
}


def test_top_level_surface_is_exactly_the_curated_one() -> None:
    """`interlink.__all__` changes only on purpose: update this list in the same commit."""
    assert set(interlink.__all__) == TOP_LEVEL
    assert len(interlink.__all__) == len(TOP_LEVEL)


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_every_public_package_declares_and_resolves_all(name: str) -> None:
    """Each public package has an `__all__` of public names that all resolve."""
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported, f"{name} has no __all__"
    assert len(set(exported)) == len(exported), f"{name}.__all__ has duplicates"
    for attr in exported:
        assert not attr.startswith("_") or attr == "__version__", f"{name} exports {attr}"
        assert hasattr(module, attr), f"{name}.__all__ names missing {attr}"


def test_error_tree_is_grouped_by_what_the_caller_should_do() -> None:
    """Retryable errors say so, fatal ones do not, and the daily budget is a rate limit."""
    assert issubclass(interlink.BudgetExhaustedError, interlink.RateLimitedError)
    assert issubclass(interlink.RateLimitedError, interlink.RetryableError)
    assert issubclass(interlink.CircuitOpenError, interlink.RetryableError)
    assert issubclass(interlink.TimeoutError, TimeoutError)
    assert interlink.RetryableError.retryable
    assert not interlink.FatalError.retryable
    assert not interlink.AuthError.retryable
    assert issubclass(interlink.ConfigError, ValueError)
