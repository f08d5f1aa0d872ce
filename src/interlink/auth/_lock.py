"""The token-refresh lock: one refresh of one grant at a time, across workers.

A provider that rotates refresh tokens revokes the whole grant when an old one
is reused, so two workers must never refresh the same grant at once. A lease
has a time-to-live so a holder that died frees the lock by itself; the owner
can extend it while it persists what it received. `LocalLock` serves one
process; `RedisLock` (in `_redis_lock`) serves many.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from interlink._clock import Clock, SystemClock
from interlink._errors import ConfigError, RetryableError

__all__ = ["LocalLock", "LockLease", "RefreshLock"]


class LockLease(Protocol):
    """A held lock."""

    async def extend(self) -> bool:
        """Push the expiry a full TTL away; False if the lease was already lost."""
        ...

    async def release(self) -> None:
        """Free the lock if this lease still owns it; never frees someone else's."""
        ...


class RefreshLock(Protocol):
    """Mutual exclusion per key (one key per grant or client)."""

    async def acquire(self, key: str, *, blocking: bool = True) -> LockLease | None:
        """Take the lock for `key`, waiting (with backoff) when `blocking`.

        Returns None only when not `blocking` and the lock is held elsewhere.
        Raises `RetryableError` when the wait exceeds the lock's wait timeout.
        """
        ...


def check_timing(where: str, ttl: float, wait_timeout: float | None) -> float:
    """Validate a lock's TTL and wait timeout; return the effective wait timeout."""
    if not ttl > 0:
        raise ConfigError(f"{where}.ttl", f"must be a positive number of seconds, got {ttl!r}")
    if wait_timeout is None:
        # A dead holder's lease expires within one TTL: wait a little longer than that.
        return ttl * 1.5
    if not wait_timeout >= 0:
        raise ConfigError(f"{where}.wait_timeout", f"must be >= 0, got {wait_timeout!r}")
    return wait_timeout


def _backoff(first: float = 0.005, cap: float = 0.25) -> Iterator[float]:
    delay = first
    while True:
        # Jitter keeps a crowd of waiters from polling in lockstep.
        yield delay * random.uniform(0.5, 1.0)
        delay = min(cap, delay * 2)


async def poll(
    attempt: Callable[[], Awaitable[bool]],
    *,
    blocking: bool,
    wait_timeout: float,
    clock: Clock,
    what: str,
) -> bool:
    """Call `attempt` until it succeeds, sleeping with backoff on `clock` in between."""
    if await attempt():
        return True
    if not blocking:
        return False
    deadline = clock.monotonic() + wait_timeout
    for delay in _backoff():
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            raise RetryableError(f"gave up after {wait_timeout:g}s waiting for {what}")
        await clock.sleep(min(delay, remaining))
        if await attempt():
            return True
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(slots=True)
class _Holder:
    token: str
    expires: float


class LocalLock:
    """An in-process refresh lock: shared by auth objects of one event loop."""

    __slots__ = ("_clock", "_held", "_ttl", "_wait_timeout")

    def __init__(
        self, *, ttl: float = 60.0, wait_timeout: float | None = None, clock: Clock | None = None
    ) -> None:
        self._wait_timeout = check_timing("local_lock", ttl, wait_timeout)
        self._ttl = ttl
        self._clock: Clock = clock or SystemClock()
        self._held: dict[str, _Holder] = {}

    async def acquire(self, key: str, *, blocking: bool = True) -> _LocalLease | None:
        token = secrets.token_hex(8)

        async def attempt() -> bool:
            now = self._clock.monotonic()
            holder = self._held.get(key)
            if holder is not None and holder.expires > now:
                return False
            self._held[key] = _Holder(token, now + self._ttl)
            return True

        got = await poll(
            attempt,
            blocking=blocking,
            wait_timeout=self._wait_timeout,
            clock=self._clock,
            what="the token-refresh lock",
        )
        return _LocalLease(self, key, token) if got else None

    def _extend(self, key: str, token: str) -> bool:
        holder = self._held.get(key)
        now = self._clock.monotonic()
        if holder is None or holder.token != token or holder.expires <= now:
            return False
        holder.expires = now + self._ttl
        return True

    def _release(self, key: str, token: str) -> None:
        holder = self._held.get(key)
        if holder is not None and holder.token == token:
            del self._held[key]

    def __repr__(self) -> str:
        return f"<LocalLock ttl={self._ttl:g}s held={len(self._held)}>"


@dataclass(frozen=True, slots=True)
class _LocalLease:
    lock: LocalLock
    key: str
    token: str

    async def extend(self) -> bool:
        return self.lock._extend(self.key, self.token)

    async def release(self) -> None:
        self.lock._release(self.key, self.token)
