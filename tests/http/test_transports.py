"""The transports: aiohttp over loopback, and ASGI in-process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
from aiohttp import web

from interlink.errors import ConnectError, TimeoutError
from interlink.http import AiohttpTransport, ASGITransport, Request

SECRET = "sk_live_supersecret"


async def echo_app(scope, receive, send):  # type: ignore[no-untyped-def]
    """A tiny ASGI app echoing what it received."""
    message = await receive()
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    body = orjson.dumps(
        {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "headers": headers,
            "body": message["body"].decode(),
        }
    )
    await send({"type": "http.response.start", "status": 201, "headers": [(b"x-echo", b"1")]})
    await send({"type": "http.response.body", "body": body})


async def test_asgi_round_trip() -> None:
    """The ASGI transport passes method, path, query, headers and body, and reads the reply."""
    transport = ASGITransport(echo_app)
    request = Request.build(
        "post", "http://vendor.test/v1/items?x=1", params={"y": 2}, json={"a": 1}
    ).with_headers({"X-Key": SECRET}, sensitive="x-key")
    response = await transport.send(request)
    echoed = response.json()
    assert response.status == 201
    assert response.headers["X-Echo"] == "1"
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/v1/items"
    assert echoed["query"] == "x=1&y=2"
    assert echoed["headers"]["x-key"] == SECRET
    assert echoed["headers"]["host"] == "vendor.test"
    assert orjson.loads(echoed["body"]) == {"a": 1}


async def test_asgi_app_crash_is_a_connection_error() -> None:
    """An app that raises looks like a reset connection, never a fake response."""

    async def crashing(scope, receive, send):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    with pytest.raises(ConnectError):
        await ASGITransport(crashing).send(Request.build("GET", "http://vendor.test/"))


async def test_asgi_app_without_response_is_a_connection_error() -> None:
    """An app that returns without answering looks like a closed connection."""

    async def silent(scope, receive, send):  # type: ignore[no-untyped-def]
        return None

    with pytest.raises(ConnectError):
        await ASGITransport(silent).send(Request.build("GET", "http://vendor.test/"))


async def test_asgi_hanging_app_times_out() -> None:
    """An app that never answers raises TimeoutError after the request's timeout."""

    async def hanging(scope, receive, send):  # type: ignore[no-untyped-def]
        await asyncio.Event().wait()

    request = Request.build("GET", "http://vendor.test/", timeout=0.05)
    with pytest.raises(TimeoutError):
        await ASGITransport(hanging).send(request)


@pytest.fixture
async def loopback() -> AsyncIterator[str]:
    """A real aiohttp server on 127.0.0.1 with well-behaved and misbehaving routes."""

    async def ok(request: web.Request) -> web.Response:
        return web.json_response(
            {"query": dict(request.query), "auth": request.headers.get("Authorization")}
        )

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response()

    async def reset(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.abort()
        return web.Response()

    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_get("/hang", hang)
    app.router.add_get("/reset", reset)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_aiohttp_round_trip(loopback: str) -> None:
    """The aiohttp transport sends params and headers and returns status, headers and body."""
    transport = AiohttpTransport()
    try:
        request = Request.build("GET", f"{loopback}/ok", params={"page": 2}).with_headers(
            {"Authorization": f"Bearer {SECRET}"}
        )
        response = await transport.send(request)
    finally:
        await transport.aclose()
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"query": {"page": "2"}, "auth": f"Bearer {SECRET}"}


async def test_aiohttp_timeout(loopback: str) -> None:
    """A server that does not answer in time raises TimeoutError, not a hang."""
    transport = AiohttpTransport()
    try:
        with pytest.raises(TimeoutError):
            await transport.send(Request.build("GET", f"{loopback}/hang", timeout=0.1))
    finally:
        await transport.aclose()


async def test_aiohttp_reset_and_refused_are_connect_errors(loopback: str) -> None:
    """A dropped connection and a refused one both raise ConnectError without secrets."""
    transport = AiohttpTransport()
    try:
        with pytest.raises(ConnectError):
            await transport.send(Request.build("GET", f"{loopback}/reset"))
        refused = Request.build("GET", "http://127.0.0.1:9/x", params={"api_token": SECRET})
        with pytest.raises(ConnectError) as caught:
            await transport.send(refused)
    finally:
        await transport.aclose()
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)
