"""Time, injectable: everything that waits or reads the time takes a Clock.

`SystemClock` is the real one. `FakeClock` is the test mode: `sleep` advances
virtual time instantly and records what was slept, so retry, rate-limit and
breaker tests run in microseconds and assert exact delays.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock"]


class Clock(Protocol):
    """Reads wall and monotonic time and sleeps."""

    def time(self) -> float:
        """Seconds since the epoch (wall clock, for HTTP-dates and resets)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for intervals)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (never negative)."""
        ...


class SystemClock:
    """The real clock."""

    __slots__ = ()

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock whose time only moves when told to, or when something sleeps.

    `sleep` advances both clocks by the requested amount and yields once to the
    loop, so concurrent tasks interleave as they would in real time.
    """

    __slots__ = ("_monotonic", "_offset", "sleeps")

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._monotonic = 0.0
        self._offset = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self._offset + self._monotonic

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        """Move time forward without sleeping."""
        if seconds < 0:
            raise ValueError(f"FakeClock.advance: seconds must be >= 0, got {seconds}")
        self._monotonic += seconds

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        self._monotonic += seconds
        await asyncio.sleep(0)
