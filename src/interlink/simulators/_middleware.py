"""The ASGI layer around a vendor app: counts every request and injects the configured faults.

Faults act where a real network and a real vendor would: before the vendor
sees the request (latency, revoked credentials, timeouts, resets, error
statuses, 200-with-error-body) or on the bytes it answered (truncated JSON,
schema drift). Admin routes under `/_sim` are never faulted or counted.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from interlink.simulators._base import Simulator

__all__ = ["SimulatorMiddleware", "drop_connection"]

ADMIN_PREFIX = "/_sim"


async def drop_connection(send: Send) -> None:
    """Close the client's connection with a TCP reset and no response at all.

    ASGI has no "abort" message, so under uvicorn we reach the connection's
    transport through the server's own `send` (a bound method of its
    request-response cycle) and abort it with SO_LINGER 0, which sends RST.
    In process (httpx's ASGITransport) there is no socket: raising
    ConnectionResetError surfaces to the client the same way.
    """
    transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        raise ConnectionResetError("simulated connection reset (no response)")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await asyncio.sleep(0)  # let the server notice the loss, so it does not try to answer 500


async def _hang(receive: Receive) -> None:
    """Never answer: wait until the client gives up and disconnects."""
    while (await receive())["type"] != "http.disconnect":
        pass


class SimulatorMiddleware:
    def __init__(self, app: ASGIApp, sim: Simulator, routes: Sequence[BaseRoute]) -> None:
        self.app, self.sim, self.routes = app, sim, routes

    def _route_name(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            for candidate in self.routes:
                match, _ = candidate.matches(dict(scope))
                if match is Match.FULL:
                    route = candidate
                    break
        path = getattr(route, "path", None) or scope["path"]
        return f"{scope['method']} {path}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        status = 0

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if self.sim.faults.active:
                await self._faulty(scope, receive, send, counting_send)
            else:
                await self.app(scope, receive, counting_send)
        finally:
            # status 0: no response was sent (timeout or reset).
            self.sim.counters.record_request(self._route_name(scope), status)

    async def _faulty(self, scope: Scope, receive: Receive, send: Send, counted: Send) -> None:
        sim, faults = self.sim, self.sim.faults
        config, tally = faults.config, sim.counters.faults
        delay = faults.latency()
        if delay > 0:
            tally["latency"] += 1
            await sim.clock.sleep(delay)
        if faults.roll(config.revoke_rate):
            credential = sim.credential(_headers(scope))
            if credential is not None and sim.tokens.revoke(credential):
                tally["revoke"] += 1
        if faults.roll(config.timeout_rate):
            tally["timeout"] += 1
            await _hang(receive)
            return
        if faults.roll(config.reset_rate):
            tally["reset"] += 1
            await drop_connection(send)
            return
        status = faults.error_status()
        if status is not None:
            tally[f"error_{status}"] += 1
            await sim.error_response(status, None)(scope, receive, counted)
            return
        if faults.roll(config.error_body_rate):
            tally["error_body"] += 1
            response = sim.error_response(500, None)
            response.status_code = 200
            await response(scope, receive, counted)
            return
        truncate = faults.roll(config.truncate_rate)
        if not truncate and config.drift is None:
            await self.app(scope, receive, counted)
            return
        await self._rewritten(scope, receive, counted, truncate)

    async def _rewritten(self, scope: Scope, receive: Receive, send: Send, truncate: bool) -> None:
        """Run the app with its response buffered, then drift and/or truncate the JSON body."""
        start: Message = {}
        chunks: list[bytes] = []

        async def buffer(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, buffer)
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        is_json = any(k.lower() == b"content-type" and b"json" in v for k, v in headers)
        if is_json and 200 <= start.get("status", 500) < 300 and body:
            drift = self.sim.faults.config.drift
            if drift is not None:
                payload = orjson.loads(body)
                for record in self.sim.drift_targets(payload):
                    drift.apply(record)
                body = orjson.dumps(payload)
                self.sim.counters.faults["drift"] += 1
            if truncate:
                body = body[: len(body) // 2]
                self.sim.counters.faults["truncate"] += 1
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
