"""The production transport: aiohttp, one pooled session per transport.

Chosen by measurement (docs/architecture.md, bench/http_libraries.py): on this
machine a raw aiohttp loop does several times the requests per CPU-second of
httpx's default transport, and CPU per vendor call is what a large deployment
pays for.
"""

from __future__ import annotations

import builtins
import time

import aiohttp

from interlink._errors import ConnectError, FatalError, TimeoutError
from interlink.http._models import Request, Response

__all__ = ["AiohttpTransport"]

DEFAULT_TIMEOUT = 30.0


class AiohttpTransport:
    """Sends requests over a pooled `aiohttp.ClientSession` (created on first use).

    `limit` bounds open connections across hosts, `limit_per_host` per vendor
    host; `timeout` is the default total time for one request when the request
    carries none.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        limit: int = 100,
        limit_per_host: int = 0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"AiohttpTransport.timeout must be > 0, got {timeout}")
        self._default_timeout = aiohttp.ClientTimeout(total=timeout)
        self._limit = limit
        self._limit_per_host = limit_per_host
        self._session = session
        self._owns_session = session is None

    def _get_session(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._limit, limit_per_host=self._limit_per_host, ttl_dns_cache=300
            )
            session = aiohttp.ClientSession(
                connector=connector, timeout=self._default_timeout, auto_decompress=True
            )
            self._session = session
            self._owns_session = True
        return session

    async def send(self, request: Request) -> Response:
        session = self._get_session()
        timeout = (
            aiohttp.ClientTimeout(total=request.timeout)
            if request.timeout is not None
            else self._default_timeout
        )
        started = time.perf_counter()
        try:
            # Awaiting the request directly (not `async with`) saves a frame per resumption.
            resp = await session.request(
                request.method,
                request.url,
                params=request.params or None,
                headers=request.headers or None,
                data=request.content,
                timeout=timeout,
                allow_redirects=False,
            )
            try:
                body = await resp.read()
            finally:
                resp.release()
            return Response(
                status=resp.status,
                headers=resp.headers,
                content=body,
                request=request,
                elapsed=time.perf_counter() - started,
            )
        except (builtins.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise TimeoutError("no response in time", request=request) from exc
        except aiohttp.InvalidURL as exc:
            raise FatalError(f"invalid URL: {exc}", request=request) from exc
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise ConnectError(f"connection failed: {type(exc).__name__}", request=request) from exc

    async def aclose(self) -> None:
        if self._session is not None and self._owns_session and not self._session.closed:
            await self._session.close()
