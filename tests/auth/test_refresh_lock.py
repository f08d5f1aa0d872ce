"""The refresh lock, in-process and in Redis: exclusion, expiry of dead holders, ownership."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from interlink._clock import FakeClock
from interlink.auth import LocalLock, RedisLock, RefreshLock
from interlink.errors import ConfigError, RetryableError


@pytest.fixture(params=["local", "redis"])
def make_lock(request: pytest.FixtureRequest, clock: FakeClock, redis_prefix: str) -> object:
    """A factory of locks of each kind that contend for the same keys."""
    if request.param == "local":
        shared = LocalLock(clock=clock, ttl=30, wait_timeout=5)
        return lambda **kw: shared if not kw else LocalLock(clock=clock, **kw)
    client: Redis = request.getfixturevalue("redis_client")
    return lambda **kw: RedisLock(
        client, prefix=redis_prefix, clock=clock, **({"ttl": 30, "wait_timeout": 5} | kw)
    )


async def test_lock_excludes_a_second_holder(make_lock: object, clock: FakeClock) -> None:
    """While held, a non-blocking acquire gets None and a blocking one gives up after waiting."""
    assert callable(make_lock)
    first: RefreshLock = make_lock()
    second: RefreshLock = make_lock()
    lease = await first.acquire("grant")
    assert lease is not None
    assert await second.acquire("grant", blocking=False) is None
    with pytest.raises(RetryableError, match="waiting for the token-refresh lock"):
        await second.acquire("grant")
    assert clock.sleeps
    assert sum(clock.sleeps) >= 5
    assert await second.acquire("other-grant", blocking=False) is not None
    await lease.release()
    assert await second.acquire("grant", blocking=False) is not None


async def test_lock_admits_one_holder_at_a_time(make_lock: object) -> None:
    """Many concurrent acquirers hold the lock strictly one after another."""
    assert callable(make_lock)
    holding = 0
    peak = 0

    async def worker() -> None:
        nonlocal holding, peak
        lease = await make_lock().acquire("grant")
        holding += 1
        peak = max(peak, holding)
        await asyncio.sleep(0)
        holding -= 1
        await lease.release()

    await asyncio.gather(*(worker() for _ in range(10)))
    assert peak == 1


async def test_local_lock_frees_a_dead_holders_lock(clock: FakeClock) -> None:
    """A lease never released expires after its TTL, and its late release frees nothing."""
    lock = LocalLock(clock=clock, ttl=10)
    dead = await lock.acquire("grant")
    assert dead is not None
    clock.advance(10)
    alive = await lock.acquire("grant", blocking=False)
    assert alive is not None
    assert not await dead.extend()
    await dead.release()
    assert await lock.acquire("grant", blocking=False) is None
    assert await alive.extend()


async def test_redis_lock_frees_a_dead_holders_lock(
    redis_client: Redis, second_redis_client: Redis, redis_prefix: str, clock: FakeClock
) -> None:
    """A holder that never releases loses the lock when its Redis TTL runs out."""
    dead = await RedisLock(redis_client, prefix=redis_prefix, ttl=0.05).acquire("grant")
    assert dead is not None
    waiter = RedisLock(second_redis_client, prefix=redis_prefix, clock=clock, wait_timeout=3600)
    alive = await waiter.acquire("grant")
    assert alive is not None
    assert clock.sleeps  # it had to wait for the expiry
    assert await redis_client.get(redis_prefix + "grant") == alive.token.encode()


async def test_redis_lock_is_released_and_extended_only_by_its_owner(
    redis_client: Redis, redis_prefix: str, clock: FakeClock
) -> None:
    """An expired lease can neither release nor extend the lock its successor holds."""
    lock = RedisLock(redis_client, prefix=redis_prefix, ttl=30, clock=clock)
    old = await lock.acquire("grant")
    assert old is not None
    key = redis_prefix + "grant"
    assert 0 < await redis_client.pttl(key) <= 30_000
    await redis_client.delete(key)  # as if its TTL had run out
    new = await lock.acquire("grant", blocking=False)
    assert new is not None
    await old.release()
    assert not await old.extend()
    assert await redis_client.get(key) == new.token.encode()
    await redis_client.pexpire(key, 1000)
    assert await new.extend()
    assert await redis_client.pttl(key) > 1000
    await new.release()
    assert await redis_client.exists(key) == 0


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [({"ttl": 0}, "local_lock.ttl"), ({"wait_timeout": -1}, "local_lock.wait_timeout")],
)
def test_bad_lock_timing_is_rejected(kwargs: dict[str, float], where: str) -> None:
    """A lock without a positive TTL (or with a negative wait) is a ConfigError."""
    with pytest.raises(ConfigError) as caught:
        LocalLock(**kwargs)  # type: ignore[arg-type]
    assert caught.value.where == where
