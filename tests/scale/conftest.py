"""What the scale-out tests share: a Redis client whose keys are this test's only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis


@pytest.fixture
async def redis_client(redis_url: str, redis_prefix: str) -> AsyncIterator[Redis]:
    """A client on the test database; this test's keys are deleted afterwards."""
    client = Redis.from_url(redis_url)
    yield client
    async for key in client.scan_iter(match=f"{redis_prefix}*"):
        await client.delete(key)
    await client.aclose()


@pytest.fixture
def rabbitmq_url() -> str:
    """The URL of the real RabbitMQ broker (fails under CI=true when missing)."""
    from tests._services import unavailable
    from tests.scale._cluster import RABBITMQ_URL, reachable

    if not reachable(RABBITMQ_URL):
        unavailable("RabbitMQ is not reachable at 127.0.0.1:5672")
    return RABBITMQ_URL
