"""Rate limiting: declared policies, limits learned from headers, shared budgets.

    limiter = RateLimiter(
        provider="hubspot",
        partition="conn-42",
        policies=[Window(100, per=10), Budget(250_000)],
    )
    await limiter.acquire(request)        # waits, or raises BudgetExhaustedError
    response = await transport.send(request)
    await limiter.observe(request, response)

State lives in an `InMemoryStore` by default, or a `RedisStore` shared by
every process of a deployment.
"""

from __future__ import annotations

from interlink.ratelimit._base import Limiter
from interlink.ratelimit._buckets import Bucket, FixedWindow, Gcra, RateLimitStore, SlidingLog
from interlink.ratelimit._duration import parse_duration
from interlink.ratelimit._headers import (
    RateLimitObservation,
    parse_rate_limit_headers,
    parse_reset,
    parse_retry_after,
)
from interlink.ratelimit._limiter import RateLimiter
from interlink.ratelimit._mapping import policy_from_mapping
from interlink.ratelimit._memory import InMemoryStore
from interlink.ratelimit._policy import Budget, LeakyBucket, Policy, TokenBucket, Window
from interlink.ratelimit._redis import RedisStore

__all__ = [
    "Bucket",
    "Budget",
    "FixedWindow",
    "Gcra",
    "InMemoryStore",
    "LeakyBucket",
    "Limiter",
    "Policy",
    "RateLimitObservation",
    "RateLimitStore",
    "RateLimiter",
    "RedisStore",
    "SlidingLog",
    "TokenBucket",
    "Window",
    "parse_duration",
    "parse_rate_limit_headers",
    "parse_reset",
    "parse_retry_after",
    "policy_from_mapping",
]
