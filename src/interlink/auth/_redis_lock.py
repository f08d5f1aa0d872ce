"""The token-refresh lock in Redis, for worker processes on many machines.

The classic single-instance Redis lock: `SET key token NX PX ttl` takes it
with a random owner token; release and extend are Lua compare-and-act scripts,
so a worker whose lease already expired can neither free nor prolong the lock
another worker now holds.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from interlink._clock import Clock, SystemClock
from interlink.auth._lock import check_timing, poll

__all__ = ["RedisLock"]

_RELEASE = """
if redis.call("GET", KEYS[1]) == ARGV[1] then
    return redis.call("DEL", KEYS[1])
end
return 0
"""

_EXTEND = """
if redis.call("GET", KEYS[1]) == ARGV[1] then
    return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0
"""


class RedisLock:
    """A refresh lock shared by every process that talks to the same Redis.

    `ttl` bounds how long a dead holder blocks the others: keep it well above
    the token endpoint's timeout. Waiting polls with jittered backoff on `clock`.
    """

    __slots__ = ("_clock", "_extend", "_prefix", "_redis", "_release", "_ttl_ms", "_wait_timeout")

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "interlink:auth:lock:",
        ttl: float = 60.0,
        wait_timeout: float | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._wait_timeout = check_timing("redis_lock", ttl, wait_timeout)
        self._ttl_ms = max(1, round(ttl * 1000))
        self._redis = redis
        self._prefix = prefix
        self._clock: Clock = clock or SystemClock()
        self._release = redis.register_script(_RELEASE)
        self._extend = redis.register_script(_EXTEND)

    async def acquire(self, key: str, *, blocking: bool = True) -> RedisLease | None:
        name = self._prefix + key
        token = secrets.token_hex(16)

        async def attempt() -> bool:
            return bool(await self._redis.set(name, token, nx=True, px=self._ttl_ms))

        got = await poll(
            attempt,
            blocking=blocking,
            wait_timeout=self._wait_timeout,
            clock=self._clock,
            what="the token-refresh lock in Redis",
        )
        return RedisLease(self, name, token) if got else None

    def __repr__(self) -> str:
        return f"<RedisLock prefix={self._prefix!r} ttl={self._ttl_ms / 1000:g}s>"


@dataclass(frozen=True, slots=True)
class RedisLease:
    """A held `RedisLock`; `name` is the Redis key, `token` proves ownership."""

    lock: RedisLock
    name: str
    token: str

    async def extend(self) -> bool:
        lock = self.lock
        done = await lock._extend(keys=[self.name], args=[self.token, lock._ttl_ms])
        return bool(done)

    async def release(self) -> None:
        await self.lock._release(keys=[self.name], args=[self.token])
