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
