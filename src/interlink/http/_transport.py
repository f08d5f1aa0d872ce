"""The transport seam: the one place bytes leave the process.

A transport sends a `Request` and returns a fully-read `Response`, whatever
the status. It interprets nothing: statuses, error bodies and retries belong
to the pipeline. It raises only `ConnectError` or `TimeoutError` (from
`interlink.errors`) for network failures. Tests plug fakes in here.
"""

from __future__ import annotations

from typing import Protocol

from interlink.http._models import Request, Response

__all__ = ["Transport"]


class Transport(Protocol):
    """Sends requests; owns connections."""

    async def send(self, request: Request) -> Response:
        """Send `request` and read the whole response."""
        ...

    async def aclose(self) -> None:
        """Release connections. Idempotent."""
        ...
