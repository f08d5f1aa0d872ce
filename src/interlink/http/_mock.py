"""A transport that answers from a Python function: the fake vendor of unit tests."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TypeAlias

from multidict import CIMultiDict

from interlink.http._models import Request, Response

__all__ = ["MockTransport", "respond"]

Handler: TypeAlias = Callable[[Request], "Response | Awaitable[Response]"]


class MockTransport:
    """Calls `handler(request)` for every request; records what was sent.

    The handler may raise `interlink.errors.ConnectError` or `TimeoutError` to
    simulate the network failing.
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.requests: list[Request] = []

    async def send(self, request: Request) -> Response:
        self.requests.append(request)
        result = self._handler(request)
        if inspect.isawaitable(result):
            return await result
        return result

    async def aclose(self) -> None:
        return None


def respond(
    request: Request,
    status: int = 200,
    *,
    json: object = None,
    content: bytes | str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build a `Response` to `request`, for handlers of a `MockTransport`."""
    import orjson

    hdrs: CIMultiDict[str] = CIMultiDict(headers or {})
    if json is not None:
        body = orjson.dumps(json)
        hdrs.setdefault("Content-Type", "application/json")
    elif isinstance(content, str):
        body = content.encode()
    else:
        body = content or b""
    return Response(status=status, headers=hdrs, content=body, request=request)
