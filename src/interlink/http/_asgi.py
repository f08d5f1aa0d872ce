"""Send requests to an ASGI app in-process: simulators plugged in at the transport.

No sockets, so tests are fast and deterministic. An app that raises, or that
ends without starting a response, looks like a reset connection; an app that
does not answer within the timeout looks like a timeout, exactly as over TCP.
"""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TypeAlias
from urllib.parse import urlsplit

from multidict import CIMultiDict

from interlink._errors import ConnectError, TimeoutError
from interlink.http._models import Request, Response

__all__ = ["ASGIApp", "ASGITransport"]

Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
ASGIApp: TypeAlias = Callable[[Scope, Receive, Send], Awaitable[None]]


class ASGITransport:
    """Calls an ASGI app directly for every request."""

    def __init__(self, app: ASGIApp, *, timeout: float = 30.0, client: str = "127.0.0.1") -> None:
        self._app = app
        self._timeout = timeout
        self._client = (client, 50000)

    async def send(self, request: Request) -> Response:
        timeout = request.timeout if request.timeout is not None else self._timeout
        started = time.perf_counter()
        try:
            status, headers, body = await asyncio.wait_for(self._call(request), timeout)
        except builtins.TimeoutError as exc:
            raise TimeoutError("no response in time", request=request) from exc
        return Response(
            status=status,
            headers=headers,
            content=body,
            request=request,
            elapsed=time.perf_counter() - started,
        )

    async def _call(self, request: Request) -> tuple[int, CIMultiDict[str], bytes]:
        url = urlsplit(request.full_url)
        host = url.hostname or "localhost"
        port = url.port or (443 if url.scheme == "https" else 80)
        header_pairs = [(k.lower().encode(), v.encode()) for k, v in request.headers.items()]
        if "host" not in {k.lower() for k in request.headers}:
            header_pairs.append((b"host", url.netloc.encode()))
        if request.content is not None:
            header_pairs.append((b"content-length", str(len(request.content)).encode()))
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme or "http",
            "path": url.path or "/",
            "raw_path": (url.path or "/").encode(),
            "query_string": url.query.encode(),
            "root_path": "",
            "headers": header_pairs,
            "client": self._client,
            "server": (host, port),
        }
        body_sent = False
        disconnected = asyncio.Event()

        async def receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": request.content or b"", "more_body": False}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        status: int | None = None
        headers: CIMultiDict[str] = CIMultiDict()
        chunks: list[bytes] = []
        complete = False

        async def send(message: Message) -> None:
            nonlocal status, complete
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for key, value in message.get("headers", []):
                    headers.add(key.decode("latin-1"), value.decode("latin-1"))
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    complete = True

        try:
            await self._app(scope, receive, send)
        except Exception as exc:
            raise ConnectError(
                f"connection reset by the app: {type(exc).__name__}", request=request
            ) from exc
        finally:
            disconnected.set()
        if status is None or not complete:
            raise ConnectError("connection closed before a full response", request=request)
        return status, headers, b"".join(chunks)

    async def aclose(self) -> None:
        return None
