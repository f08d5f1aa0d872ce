"""`vault.cipher()`: the vault's keys encrypting OAuth tokens cached in the real Redis."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import redis as redis_sync
from redis.asyncio import Redis

import interlink.vault
from interlink.auth import RedisTokenStore, TokenSet
from interlink.store import Store
from interlink.vault import FileKeySource, Key, Vault


@pytest.mark.redis
async def test_tokens_cached_in_redis_are_sealed_and_survive_rotation(
    sqlite_store: Store, key_file: Path, redis_url: str, redis_prefix: str
) -> None:
    """The raw Redis value holds no token; a rotation later, the cached set still reads."""
    vault = Vault(sqlite_store, FileKeySource(key_file))
    refresh = f"rt_{secrets.token_hex(16)}"
    client = Redis.from_url(redis_url)
    try:
        tokens = RedisTokenStore(client, prefix=redis_prefix, cipher=vault.cipher("redis-tokens"))
        await tokens.put("conn_a", TokenSet(access_token="at_visible?", refresh_token=refresh))
        with redis_sync.Redis.from_url(redis_url) as raw_client:
            raw = raw_client.get(f"{redis_prefix}conn_a")
        assert isinstance(raw, bytes)
        assert refresh.encode() not in raw
        assert b"at_visible?" not in raw
        vault.rotate(Key.generate())
        got = await tokens.get("conn_a")
        assert got is not None
        assert got.refresh_token == refresh
    finally:
        await client.aclose()


def test_public_surface_resolves() -> None:
    """Every name in interlink.vault.__all__ exists, once."""
    exported = interlink.vault.__all__
    assert len(set(exported)) == len(exported)
    for name in exported:
        assert getattr(interlink.vault, name) is not None
