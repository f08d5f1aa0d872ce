"""The auth seam: a flow that decorates a request and reacts to responses.

Modelled on httpx's auth flows, async because token endpoints are I/O:

    async def auth_flow(self, request):
        response = yield request.with_headers({"Authorization": "Bearer ..."})
        if response.status == 401:  # refresh once, retry once
            ...
            yield retried_request

The pipeline sends every yielded request and sends the response back into the
generator; the response to the last yielded request is the result. Requests
with `purpose="auth"` (token endpoint calls) go straight to the transport,
bypassing the API's rate limits and breaker.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from interlink.http._models import Request, Response

__all__ = ["Auth"]


class Auth(Protocol):
    """An authentication strategy."""

    def auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        """Yield the request(s) to send; receive each one's response."""
        ...
