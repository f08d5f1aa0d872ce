"""Token stores, and workers that share a grant through Redis."""

from __future__ import annotations

import asyncio

import pytest
from authkit import FIRST_REFRESH_TOKEN, FakeVendor, api_request, client, drive
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from interlink._clock import FakeClock
from interlink.auth import (
    ClientCredentialsAuth,
    InMemoryTokenStore,
    RedisLock,
    RedisTokenStore,
    RefreshTokenAuth,
    TokenSet,
    TokenStore,
)

TOKENS = TokenSet(
    access_token="at-SECRET-9",
    refresh_token="rt-SECRET-9",
    obtained_at=1_700_000_000.0,
    expires_at=1_700_003_600.0,
    scope="crm.read",
)


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest, redis_prefix: str, clock: FakeClock) -> TokenStore:
    """Each store backend in turn."""
    if request.param == "memory":
        return InMemoryTokenStore()
    client: Redis = request.getfixturevalue("redis_client")
    return RedisTokenStore(client, prefix=redis_prefix, clock=clock)


async def test_store_round_trip(store: TokenStore) -> None:
    """A stored token set reads back equal; deleting forgets it."""
    assert await store.get("conn-1") is None
    await store.put("conn-1", TOKENS)
    assert await store.get("conn-1") == TOKENS
    await store.delete("conn-1")
    assert await store.get("conn-1") is None


async def test_redis_store_keeps_refresh_tokens_and_expires_access_only_sets(
    redis_client: Redis, redis_prefix: str, clock: FakeClock
) -> None:
    """A set with a refresh token never expires from Redis; an access-only set does."""
    store = RedisTokenStore(redis_client, prefix=redis_prefix, clock=clock)
    await store.put("grant", TOKENS)
    assert await redis_client.pttl(redis_prefix + "grant") == -1
    access_only = TokenSet("at-SECRET-1", obtained_at=clock.time(), expires_at=clock.time() + 60)
    await store.put("client", access_only)
    assert 0 < await redis_client.pttl(redis_prefix + "client") <= 60_000


async def test_redis_store_encrypts_with_a_cipher(
    redis_client: Redis, redis_prefix: str, clock: FakeClock
) -> None:
    """With a Fernet cipher, Redis holds ciphertext and reads decrypt transparently."""
    store = RedisTokenStore(redis_client, prefix=redis_prefix, cipher=Fernet(Fernet.generate_key()))
    await store.put("grant", TOKENS)
    raw = await redis_client.get(redis_prefix + "grant")
    assert raw is not None
    assert b"SECRET" not in raw
    assert await store.get("grant") == TOKENS
    assert "SECRET" not in repr(store)


async def test_a_set_cached_before_the_cipher_is_read_and_sealed_at_its_next_write(
    redis_client: Redis, redis_prefix: str, clock: FakeClock
) -> None:
    """A plaintext set left by a process without a cipher (an upgrade) still reads; the next
    write through the cipher seals it."""
    await RedisTokenStore(redis_client, prefix=redis_prefix, clock=clock).put("grant", TOKENS)
    store = RedisTokenStore(redis_client, prefix=redis_prefix, cipher=Fernet(Fernet.generate_key()))
    assert await store.get("grant") == TOKENS
    await store.put("grant", TOKENS)
    assert b"SECRET" not in (await redis_client.get(redis_prefix + "grant") or b"SECRET")
    assert await store.get("grant") == TOKENS


def redis_worker(
    redis: Redis, prefix: str, clock: FakeClock, vendor: FakeVendor
) -> RefreshTokenAuth:
    """One 'process': its own Redis lock and store objects, the shared grant's key."""

    async def persist(tokens: TokenSet) -> None:
        vendor.events.append(f"persisted:{tokens.refresh_token}")

    return RefreshTokenAuth(
        client(),
        TokenSet.from_refresh_token(FIRST_REFRESH_TOKEN),
        key="hubspot:conn-1",
        store=RedisTokenStore(redis, prefix=prefix + "tokens:", clock=clock),
        lock=RedisLock(redis, prefix=prefix + "lock:", clock=clock),
        on_tokens_rotated=persist,
        clock=clock,
    )


async def test_two_workers_share_one_refresh_through_redis(
    redis_client: Redis, second_redis_client: Redis, redis_prefix: str, clock: FakeClock
) -> None:
    """Two workers with one rotating refresh token refresh it exactly once between them."""
    vendor = FakeVendor(clock, rotate=True, expires_in=1000)
    workers = [
        redis_worker(redis_client, redis_prefix, clock, vendor),
        redis_worker(second_redis_client, redis_prefix, clock, vendor),
    ]
    vendor.gate = asyncio.Event()
    calls = [
        asyncio.create_task(drive(auth, vendor.transport, api_request())) for auth in workers * 25
    ]
    for _ in range(50):
        await asyncio.sleep(0)
    vendor.gate.set()
    assert [r.status for r in await asyncio.gather(*calls)] == [200] * 50
    assert len(vendor.token_requests) == 1
    assert vendor.events.count("persisted:rt-SECRET-1") == 1
    assert not vendor.grant_dead
    # Later, past 80%, each worker wants a proactive refresh: still only one between them.
    clock.advance(850)
    for auth in workers:
        assert (await drive(auth, vendor.transport, api_request())).status == 200
    assert len(vendor.token_requests) == 2
    assert not vendor.grant_dead


async def test_client_credentials_workers_share_one_token_through_redis(
    redis_client: Redis, second_redis_client: Redis, redis_prefix: str, clock: FakeClock
) -> None:
    """Client-credentials workers sharing Redis request one token per token lifetime."""
    vendor = FakeVendor(clock, expires_in=1000)
    workers = [
        ClientCredentialsAuth(
            client(),
            store=RedisTokenStore(redis, prefix=redis_prefix + "tokens:", clock=clock),
            lock=RedisLock(redis, prefix=redis_prefix + "lock:", clock=clock),
            clock=clock,
        )
        for redis in (redis_client, second_redis_client)
    ]
    vendor.gate = asyncio.Event()
    calls = [
        asyncio.create_task(drive(auth, vendor.transport, api_request())) for auth in workers * 10
    ]
    for _ in range(50):
        await asyncio.sleep(0)
    vendor.gate.set()
    await asyncio.gather(*calls)
    assert len(vendor.token_requests) == 1
    assert set(vendor.used_tokens()) == {"at-SECRET-1"}
