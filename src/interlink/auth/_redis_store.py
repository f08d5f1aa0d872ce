"""The shared token store in Redis, optionally encrypted.

Token sets are orjson-encoded; give a `cipher` (a `cryptography` `Fernet` or
`MultiFernet` fits) so tokens are encrypted at rest in Redis's RDB/AOF files.
A set that carries a refresh token never expires from Redis: losing it would
send workers back to an older, possibly revoked refresh token. An access-only
set (client credentials) expires with its token.
"""

from __future__ import annotations

import math
from typing import Protocol

import orjson
from redis.asyncio import Redis

from interlink._clock import Clock, SystemClock
from interlink.auth._tokens import TokenSet

__all__ = ["Cipher", "RedisTokenStore"]


class Cipher(Protocol):
    """Symmetric encryption of stored token sets (`cryptography.fernet.Fernet` fits)."""

    def encrypt(self, data: bytes) -> bytes: ...

    def decrypt(self, token: bytes) -> bytes: ...


class RedisTokenStore:
    """Token sets shared by every process that talks to the same Redis."""

    __slots__ = ("_cipher", "_clock", "_prefix", "_redis")

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "interlink:auth:tokens:",
        cipher: Cipher | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._cipher = cipher
        self._clock: Clock = clock or SystemClock()

    async def get(self, key: str) -> TokenSet | None:
        raw = await self._redis.get(self._prefix + key)
        if raw is None:
            return None
        data = raw.encode() if isinstance(raw, str) else bytes(raw)
        # A set cached in plaintext before the cipher was configured (a JSON object; a
        # sealed blob never starts with "{") is still read, and sealed at its next write.
        if self._cipher is not None and not data.startswith(b"{"):
            data = self._cipher.decrypt(data)
        return TokenSet.from_dict(orjson.loads(data))

    async def put(self, key: str, tokens: TokenSet) -> None:
        data = orjson.dumps(tokens.to_dict())
        if self._cipher is not None:
            data = self._cipher.encrypt(data)
        ttl_ms: int | None = None
        if tokens.refresh_token is None and tokens.expires_at is not None:
            remaining = tokens.expires_at - self._clock.time()
            ttl_ms = max(1, math.ceil(remaining * 1000))
        await self._redis.set(self._prefix + key, data, px=ttl_ms)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    def __repr__(self) -> str:
        encrypted = "encrypted" if self._cipher is not None else "plaintext"
        return f"<RedisTokenStore prefix={self._prefix!r} {encrypted}>"
