"""Leases: at most one worker syncs a given (connection, resource) at a time.

```python
leases = RedisLeases(redis, ttl=30.0)
lease = await leases.acquire("conn-1/contacts", owner="host-a:4242")
if lease is None:
    wait = await leases.remaining("conn-1/contacts")   # seconds until it may be free
else:
    async with lease.kept():                           # renewed every ttl/3 meanwhile
        await engine.run(job)                          # cancelled if the lease is lost
```

Why Redis and not a PostgreSQL row: the lease must expire on its own when its
holder dies (kill -9, a lost machine), with no one left to clean up. Redis
does that natively (`SET NX PX`), against one clock (the server's), in one
round trip; a row would need every acquirer to compare timestamps written by
machines whose clocks disagree. Redis is already where the shared budgets
live, so it adds no moving part. Release and renewal are Lua
compare-and-act scripts: a holder whose lease already expired (and was taken
over) can neither free nor prolong its successor's.

The value names the holder (`host:pid:random`), so an operator, and the
tests, can see who holds what.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis

from interlink._clock import Clock, SystemClock

__all__ = ["Lease", "LeaseLostError", "RedisLeases", "worker_identity"]

log = structlog.get_logger("interlink.sync.lease")

_RELEASE = """
if redis.call("GET", KEYS[1]) == ARGV[1] then
    return redis.call("DEL", KEYS[1])
end
return 0
"""

_RENEW = """
if redis.call("GET", KEYS[1]) == ARGV[1] then
    return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0
"""


def worker_identity() -> str:
    """This process as a lease holder: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _text(value: bytes | str) -> str:
    # A client built with decode_responses=True answers str, the default bytes.
    return value if isinstance(value, str) else value.decode()


class LeaseLostError(Exception):
    """The lease expired before it was renewed (the holder stalled longer than its ttl),
    so another worker may hold it now: the work under it was stopped."""

    def __init__(self, key: str) -> None:
        super().__init__(f"lease {key!r} was lost before it could be renewed; work stopped")
        self.key = key


class RedisLeases:
    """Expiring, renewable leases in Redis, one per key."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "interlink:lease:",
        ttl: float = 30.0,
        clock: Clock | None = None,
    ) -> None:
        if ttl < 0.1:
            raise ValueError(f"RedisLeases: ttl must be >= 0.1 s, got {ttl}")
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self.clock: Clock = clock or SystemClock()
        self._release = redis.register_script(_RELEASE)
        self._renew = redis.register_script(_RENEW)

    def __repr__(self) -> str:
        return f"<RedisLeases prefix={self.prefix!r} ttl={self.ttl:g}s>"

    @property
    def _ttl_ms(self) -> int:
        return max(1, round(self.ttl * 1000))

    async def acquire(self, key: str, *, owner: str | None = None) -> Lease | None:
        """The lease on `key`, or None when another holder's lease has not expired."""
        value = f"{owner or worker_identity()}:{secrets.token_hex(8)}"
        name = self.prefix + key
        if not await self.redis.set(name, value, nx=True, px=self._ttl_ms):
            return None
        return Lease(self, key, value)

    async def holder(self, key: str) -> str | None:
        """Who holds `key` now (`host:pid:random`), or None."""
        value = await self.redis.get(self.prefix + key)
        return None if value is None else _text(value)

    async def remaining(self, key: str) -> float:
        """Seconds until the lease on `key` expires unless renewed (0 when free)."""
        ms = await self.redis.pttl(self.prefix + key)
        return max(0.0, ms / 1000)

    async def held(self) -> dict[str, str]:
        """Every lease held now: key -> holder."""
        found: dict[str, str] = {}
        async for name in self.redis.scan_iter(match=f"{self.prefix}*", count=500):
            value = await self.redis.get(name)
            if value is not None:
                found[_text(name).removeprefix(self.prefix)] = _text(value)
        return found


@dataclass(frozen=True, slots=True)
class Lease:
    """A held lease; `value` (holder identity + random) proves ownership."""

    leases: RedisLeases
    key: str
    value: str

    async def renew(self) -> bool:
        """Push the expiry one ttl away; False when the lease is no longer ours."""
        done = await self.leases._renew(
            keys=[self.leases.prefix + self.key], args=[self.value, self.leases._ttl_ms]
        )
        return bool(done)

    async def release(self) -> bool:
        """Free the lease if still ours; False when it had expired (or been taken over)."""
        done = await self.leases._release(keys=[self.leases.prefix + self.key], args=[self.value])
        return bool(done)

    @contextlib.asynccontextmanager
    async def kept(self) -> AsyncIterator[None]:
        """Renew every ttl/3 while the block runs; release after. When a renewal finds
        the lease gone, the block is cancelled and `LeaseLostError` raised."""
        body = asyncio.current_task()
        assert body is not None, "Lease.kept() needs a running task"
        lost = False

        async def heartbeat() -> None:
            nonlocal lost
            while True:
                await self.leases.clock.sleep(self.leases.ttl / 3)
                try:
                    kept = await self.renew()
                except Exception as exc:  # Redis briefly unreachable: try again next beat
                    log.warning("sync.lease_renew_failed", key=self.key, error=str(exc))
                    continue
                if not kept:
                    lost = True
                    log.error("sync.lease_lost", key=self.key)
                    body.cancel()
                    return

        beat = asyncio.create_task(heartbeat(), name=f"lease {self.key}")
        try:
            yield
        except asyncio.CancelledError:
            if lost:
                body.uncancel()  # the cancellation was ours: it becomes the error below
                raise LeaseLostError(self.key) from None
            raise
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            if not lost:
                await self.release()
