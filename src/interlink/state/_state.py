"""One object that says where a deployment keeps its fast-changing coordination.

Rate-limit buckets, breaker state, cached tokens and token-refresh locks each
have their own small store Protocol and two implementations. `State` picks
the matching four, so a deployment switches from one process to many workers
by changing one line, and every part shares one Redis connection pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from interlink._clock import Clock
from interlink.auth import (
    Cipher,
    InMemoryTokenStore,
    LocalLock,
    RedisLock,
    RedisTokenStore,
    RefreshLock,
    TokenStore,
)
from interlink.breaker import BreakerStore, InMemoryBreakerStore, RedisBreakerStore
from interlink.ratelimit import InMemoryStore, RateLimitStore, RedisStore

__all__ = ["State"]


@dataclass(frozen=True, slots=True)
class State:
    """The stores behind rate limits, breakers, tokens and refresh locks."""

    rate_limits: RateLimitStore
    breakers: BreakerStore
    tokens: TokenStore
    locks: RefreshLock
    redis: Redis | None = None

    @classmethod
    def in_process(cls, *, clock: Clock | None = None) -> State:
        """State shared by everything in this process only (the default)."""
        return cls(
            rate_limits=InMemoryStore(clock=clock),
            breakers=InMemoryBreakerStore(),
            tokens=InMemoryTokenStore(),
            locks=LocalLock(clock=clock),
        )

    @classmethod
    def from_redis_url(
        cls,
        url: str,
        *,
        prefix: str = "interlink:",
        cipher: Cipher | None = None,
        clock: Clock | None = None,
    ) -> State:
        """State shared by every process that uses the same Redis and prefix.

        `cipher` encrypts cached tokens at rest in Redis (e.g. a Fernet).
        """
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                f"State.from_redis_url: expected a redis://, rediss:// or unix:// URL, got {url!r}"
            )
        client: Redis = Redis.from_url(url)
        return cls(
            rate_limits=RedisStore(client),
            breakers=RedisBreakerStore(client, prefix=prefix),
            tokens=RedisTokenStore(
                client, prefix=f"{prefix}auth:tokens:", cipher=cipher, clock=clock
            ),
            locks=RedisLock(client, prefix=f"{prefix}auth:lock:", clock=clock),
            redis=client,
        )

    async def aclose(self) -> None:
        """Close the Redis connection pool, if any."""
        if self.redis is not None:
            await self.redis.aclose()
