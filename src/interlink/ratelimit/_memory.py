"""The in-process rate-limit state: the default, for one worker process."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

from interlink._clock import Clock, SystemClock
from interlink.ratelimit._buckets import Bucket, FixedWindow, Gcra, SlidingLog

__all__ = ["InMemoryStore"]


class InMemoryStore:
    """Buckets in dictionaries. Atomic because nothing in `try_acquire` awaits.

    Share one instance between limiters to share their budgets inside a process.
    """

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._arrivals: dict[str, float] = {}
        self._logs: dict[str, deque[float]] = {}
        self._windows: dict[str, tuple[float, int]] = {}
        self._pauses: dict[str, float] = {}

    async def try_acquire(self, pause_key: str, buckets: Sequence[Bucket]) -> float:
        now = self._clock.time()
        wait = self._paused_for(pause_key, now)
        for bucket in buckets:
            wait = max(wait, self._wait(bucket, now))
        if wait > 0:
            return wait
        for bucket in buckets:
            self._consume(bucket, now)
        return 0.0

    async def pause(self, pause_key: str, seconds: float) -> None:
        until = self._clock.time() + seconds
        self._pauses[pause_key] = max(until, self._pauses.get(pause_key, until))

    async def aclose(self) -> None:
        return None

    def _paused_for(self, pause_key: str, now: float) -> float:
        until = self._pauses.get(pause_key)
        if until is None:
            return 0.0
        if until <= now:
            del self._pauses[pause_key]
            return 0.0
        return until - now

    def _wait(self, bucket: Bucket, now: float) -> float:
        if isinstance(bucket, Gcra):
            arrival = max(self._arrivals.get(bucket.key, now), now)
            return arrival - bucket.tolerance - now
        if isinstance(bucket, SlidingLog):
            log = self._logs.get(bucket.key)
            if log is None:
                return 0.0
            while log and log[0] <= now - bucket.span:
                log.popleft()
            if len(log) < bucket.limit:
                return 0.0
            return log[len(log) - bucket.limit] + bucket.span - now
        start = _window_start(bucket, now)
        seen_start, count = self._windows.get(bucket.key, (start, 0))
        if seen_start != start or count < bucket.limit:
            return 0.0
        return start + bucket.period - now

    def _consume(self, bucket: Bucket, now: float) -> None:
        if isinstance(bucket, Gcra):
            arrival = max(self._arrivals.get(bucket.key, now), now)
            self._arrivals[bucket.key] = arrival + bucket.interval
        elif isinstance(bucket, SlidingLog):
            self._logs.setdefault(bucket.key, deque()).append(now)
        else:
            start = _window_start(bucket, now)
            seen_start, count = self._windows.get(bucket.key, (start, 0))
            self._windows[bucket.key] = (start, count + 1 if seen_start == start else 1)


def _window_start(bucket: FixedWindow, now: float) -> float:
    return math.floor((now - bucket.offset) / bucket.period) * bucket.period + bucket.offset
