"""Sync leases in real Redis: one holder per key, expiry frees it, only the holder acts on it."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from interlink.sync import LeaseLostError, RedisLeases


def leases(client: Redis, prefix: str, ttl: float = 30.0) -> RedisLeases:
    return RedisLeases(client, prefix=f"{prefix}lease:", ttl=ttl)


async def test_one_holder_at_a_time(redis_client: Redis, redis_prefix: str) -> None:
    """While a lease is held nobody else gets it; once released the next one does."""
    store = leases(redis_client, redis_prefix)
    first = await store.acquire("c1/contacts", owner="worker-a")
    assert first is not None
    assert await store.acquire("c1/contacts", owner="worker-b") is None
    assert await store.acquire("c1/deals", owner="worker-b") is not None  # another pair
    holder = await store.holder("c1/contacts")
    assert holder is not None
    assert holder.startswith("worker-a:")
    assert await first.release()
    second = await store.acquire("c1/contacts", owner="worker-b")
    assert second is not None
    assert (await store.holder("c1/contacts") or "").startswith("worker-b:")


async def test_a_dead_holders_lease_expires_and_is_taken_over(
    redis_client: Redis, redis_prefix: str
) -> None:
    """A holder that never renews (it died) loses the lease at expiry; another takes it."""
    store = leases(redis_client, redis_prefix, ttl=0.2)
    dead = await store.acquire("c1/contacts", owner="dead")
    assert dead is not None
    assert 0 < await store.remaining("c1/contacts") <= 0.2
    for _ in range(100):  # the server expires it; poll for that, up to 5 s
        if await store.holder("c1/contacts") is None:
            break
        await asyncio.sleep(0.05)
    assert await store.remaining("c1/contacts") == 0
    heir = await store.acquire("c1/contacts", owner="heir")
    assert heir is not None


async def test_an_expired_holder_can_neither_free_nor_renew_its_successors_lease(
    redis_client: Redis, redis_prefix: str
) -> None:
    """Release and renew compare the holder's value first: a late holder touches nothing."""
    store = leases(redis_client, redis_prefix)
    late = await store.acquire("c1/contacts", owner="late")
    assert late is not None
    await redis_client.delete(f"{redis_prefix}lease:c1/contacts")  # its lease expired
    heir = await store.acquire("c1/contacts", owner="heir")
    assert heir is not None
    assert not await late.renew()
    assert not await late.release()
    assert (await store.holder("c1/contacts") or "").startswith("heir:")
    assert await heir.renew()


async def test_kept_renews_beyond_the_ttl_and_releases_after(
    redis_client: Redis, redis_prefix: str
) -> None:
    """Work longer than the ttl keeps its lease (heartbeat), and frees it when done."""
    store = leases(redis_client, redis_prefix, ttl=0.3)
    lease = await store.acquire("c1/contacts")
    assert lease is not None
    async with lease.kept():
        for _ in range(10):  # three ttls
            await asyncio.sleep(0.1)
            assert await store.holder("c1/contacts") == lease.value
    assert await store.holder("c1/contacts") is None


async def test_losing_the_lease_stops_the_work(redis_client: Redis, redis_prefix: str) -> None:
    """When a renewal finds the lease taken over, the work under it is cancelled and
    LeaseLostError names the key; the successor's lease is left alone."""
    store = leases(redis_client, redis_prefix, ttl=0.3)
    lease = await store.acquire("c1/contacts")
    assert lease is not None
    reached_end = False

    async def work() -> None:
        nonlocal reached_end
        async with lease.kept():
            await redis_client.set(f"{redis_prefix}lease:c1/contacts", "someone-else")
            await asyncio.sleep(5)
            reached_end = True

    with pytest.raises(LeaseLostError, match="c1/contacts"):
        await work()
    assert not reached_end
    assert await store.holder("c1/contacts") == "someone-else"


async def test_held_lists_every_lease(redis_client: Redis, redis_prefix: str) -> None:
    """`held()` maps each held key to its holder, so takeovers can be observed."""
    store = leases(redis_client, redis_prefix)
    await store.acquire("c1/contacts", owner="a")
    await store.acquire("c2/deals", owner="b")
    held = await store.held()
    assert set(held) == {"c1/contacts", "c2/deals"}
    assert held["c2/deals"].startswith("b:")


def test_a_too_short_ttl_is_refused(redis_client: Redis) -> None:
    """A ttl below 0.1 s is a clear error naming the value."""
    with pytest.raises(ValueError, match=r"ttl must be >= 0\.1 s, got 0\.01"):
        RedisLeases(redis_client, ttl=0.01)
