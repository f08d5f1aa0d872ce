"""What a policy compiles to, and the shared-state seam that enforces it.

A policy (what the vendor documents) compiles into one or more buckets (what
the state store counts). A store admits a request only when every bucket of
that request admits it and the partition is not paused, and then consumes one
unit from each of them in the same atomic step: a refusal by one bucket never
leaves the others half-spent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias

__all__ = ["Bucket", "FixedWindow", "Gcra", "RateLimitStore", "SlidingLog"]


@dataclass(frozen=True, slots=True)
class Gcra:
    """A token (or leaky) bucket as a theoretical arrival time.

    One request every `interval` seconds on average; the arrival time may run
    at most `tolerance` seconds ahead of now, which is what allows a burst.
    """

    key: str
    interval: float
    tolerance: float


@dataclass(frozen=True, slots=True)
class SlidingLog:
    """At most `limit` grants in any `span`-second interval, exactly."""

    key: str
    limit: int
    span: float


@dataclass(frozen=True, slots=True)
class FixedWindow:
    """At most `limit` grants per calendar window of `period` seconds.

    Windows start at `offset` plus whole multiples of `period` since the epoch,
    so a daily budget resets at midnight UTC (plus `offset`).
    """

    key: str
    limit: int
    period: float
    offset: float = 0.0


Bucket: TypeAlias = Gcra | SlidingLog | FixedWindow


class RateLimitStore(Protocol):
    """Shared rate-limit state: in-process by default, Redis across processes."""

    async def try_acquire(self, pause_key: str, buckets: Sequence[Bucket]) -> float:
        """Grant one request if every bucket admits it now and `pause_key` is not paused.

        Returns 0.0 after consuming one unit from every bucket, or the seconds
        to wait before asking again, having consumed nothing.
        """
        ...

    async def pause(self, pause_key: str, seconds: float) -> None:
        """Refuse every request under `pause_key` for `seconds`; a pause only ever extends."""
        ...

    async def aclose(self) -> None:
        """Release connections. Idempotent."""
        ...
