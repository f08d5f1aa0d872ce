"""The circuit-breaker seam used by the pipeline."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Breaker"]


class Breaker(Protocol):
    """A circuit breaker for one (provider, connection)."""

    async def before_call(self) -> None:
        """Raise `CircuitOpenError` when open; admit a bounded number of probes when half-open."""
        ...

    async def record(self, success: bool) -> None:
        """Record the outcome of an admitted call (failures: 5xx, timeouts, network)."""
        ...
