"""The rate-limit seam used by the pipeline."""

from __future__ import annotations

from typing import Protocol

from interlink.http._models import Request, Response

__all__ = ["Limiter"]


class Limiter(Protocol):
    """Pre-emptive and adaptive limiting for one partition family of a provider."""

    async def acquire(self, request: Request) -> None:
        """Wait until `request` may be sent without exceeding any known limit.

        Raises `BudgetExhaustedError` when a long-window budget (e.g. daily) is
        spent, instead of waiting for hours.
        """
        ...

    async def observe(self, request: Request, response: Response) -> None:
        """Learn from the response's rate-limit headers; a 429 pauses the partition."""
        ...
