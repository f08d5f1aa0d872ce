"""Breaker stores for the shared behaviour suite: in-process and real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from interlink.breaker import (
    Admission,
    BreakerConfig,
    BreakerStore,
    InMemoryBreakerStore,
    RedisBreakerStore,
    State,
)


@pytest.fixture
async def redis_client(redis_url: str, redis_prefix: str) -> AsyncIterator[Redis]:
    """A client on the test database; this test's keys are deleted afterwards."""
    client = Redis.from_url(redis_url)
    yield client
    async for key in client.scan_iter(match=f"{redis_prefix}*"):
        await client.delete(key)
    await client.aclose()


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest, redis_prefix: str) -> BreakerStore:
    """Each backend in turn: every state-machine test runs against both."""
    if request.param == "memory":
        return InMemoryBreakerStore()
    client: Redis = request.getfixturevalue("redis_client")
    return RedisBreakerStore(client, prefix=redis_prefix, fallback=NoFallback())


class NoFallback:
    """A fallback store that fails the test: Redis-backed runs must really use Redis."""

    async def admit(self, key: str, config: BreakerConfig, now: float) -> Admission:
        raise AssertionError("the Redis breaker store fell back to memory")

    async def record(self, key: str, config: BreakerConfig, success: bool, now: float) -> None:
        raise AssertionError("the Redis breaker store fell back to memory")

    async def state(self, key: str) -> State:
        raise AssertionError("the Redis breaker store fell back to memory")
