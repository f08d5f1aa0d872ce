"""Vendor-side rate-limit enforcement: the algorithms vendors actually use.

Each limiter answers `acquire(key, now, scale)` with a `Decision` carrying
what a vendor reports in headers (limit, remaining, seconds until a slot frees).
`scale` < 1 makes limits stricter than documented (the "stricter limits" fault).
Keys let one limiter track many apps, tokens or accounts.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Decision", "FixedWindow", "LeakyBucket", "Limiter", "RollingWindow", "TokenBucket"]


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: float  # seconds until the next request would be allowed / window resets


class Limiter(Protocol):
    def acquire(self, key: str, now: float, scale: float = 1.0) -> Decision:
        """Count one request for `key` at `now` if allowed."""
        ...

    def peek(self, key: str, now: float, scale: float = 1.0) -> Decision:
        """What `acquire` would answer, without counting (for headers on refused requests)."""
        ...

    def reset(self) -> None: ...


def _scaled(limit: int, scale: float) -> int:
    return max(1, math.floor(limit * scale))


class FixedWindow:
    """N requests per window aligned to the epoch (e.g. a daily quota resetting at midnight UTC)."""

    __slots__ = ("_counts", "limit", "window")

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window number, count)

    def acquire(self, key: str, now: float, scale: float = 1.0) -> Decision:
        return self._decide(key, now, scale, commit=True)

    def peek(self, key: str, now: float, scale: float = 1.0) -> Decision:
        return self._decide(key, now, scale, commit=False)

    def _decide(self, key: str, now: float, scale: float, *, commit: bool) -> Decision:
        limit = _scaled(self.limit, scale)
        number = int(now // self.window)
        current, count = self._counts.get(key, (number, 0))
        if current != number:
            count = 0
        reset_after = (number + 1) * self.window - now
        if count >= limit:
            return Decision(False, limit, 0, reset_after)
        if not commit:
            return Decision(True, limit, limit - count, reset_after)
        self._counts[key] = (number, count + 1)
        return Decision(True, limit, limit - count - 1, reset_after)

    def reset(self) -> None:
        self._counts.clear()


class RollingWindow:
    """N requests in any window of `window` seconds (a sliding log: exact, vendors' "rolling")."""

    __slots__ = ("_log", "limit", "window")

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._log: dict[str, deque[float]] = {}

    def acquire(self, key: str, now: float, scale: float = 1.0) -> Decision:
        return self._decide(key, now, scale, commit=True)

    def peek(self, key: str, now: float, scale: float = 1.0) -> Decision:
        return self._decide(key, now, scale, commit=False)

    def _decide(self, key: str, now: float, scale: float, *, commit: bool) -> Decision:
        limit = _scaled(self.limit, scale)
        log = self._log.setdefault(key, deque())
        while log and log[0] <= now - self.window:
            log.popleft()
        if len(log) >= limit:
            return Decision(False, limit, 0, log[len(log) - limit] + self.window - now)
        if not commit:
            return Decision(
                True, limit, limit - len(log), (log[0] if log else now) + self.window - now
            )
        log.append(now)
        reset_after = log[0] + self.window - now
        return Decision(True, limit, limit - len(log), reset_after)

    def reset(self) -> None:
        self._log.clear()


class TokenBucket:
    """`capacity` burst, refilled at `rate` per second (a leaky bucket is the same, metered)."""

    __slots__ = ("_buckets", "capacity", "rate")

    def __init__(self, capacity: int, rate: float) -> None:
        self.capacity, self.rate = capacity, rate
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def acquire(self, key: str, now: float, scale: float = 1.0) -> Decision:
        return self._decide(key, now, scale, commit=True)

    def peek(self, key: str, now: float, scale: float = 1.0) -> Decision:
        return self._decide(key, now, scale, commit=False)

    def _decide(self, key: str, now: float, scale: float, *, commit: bool) -> Decision:
        capacity, rate = _scaled(self.capacity, scale), self.rate * scale
        tokens, at = self._buckets.get(key, (float(capacity), now))
        tokens = min(float(capacity), tokens + max(0.0, now - at) * rate)
        if tokens < 1.0:
            if commit:
                self._buckets[key] = (tokens, now)
            return Decision(False, capacity, 0, (1.0 - tokens) / rate)
        if not commit:
            return Decision(True, capacity, int(tokens), (capacity - tokens) / rate)
        tokens -= 1.0
        self._buckets[key] = (tokens, now)
        return Decision(True, capacity, int(tokens), (capacity - tokens) / rate)

    def reset(self) -> None:
        self._buckets.clear()


# A leaky bucket metered on arrival (Shopify's "bucket size 40, leak 2/s") admits exactly
# what a token bucket of the same capacity and rate admits; vendors only differ in how
# they report it (used vs remaining), which is the vendor module's business.
LeakyBucket = TokenBucket
