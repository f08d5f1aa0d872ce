"""Fixtures for simulator tests: an in-process HubSpot, a plain HTTP client, a loopback server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from interlink._clock import FakeClock
from interlink.simulators import create_simulator
from interlink.simulators.hubspot import HubSpotSimulator

BASE_URL = "https://api.hubapi.com"


@pytest.fixture
async def hubspot(clock: FakeClock) -> AsyncIterator[HubSpotSimulator]:
    """A 2,500-record HubSpot on a fake clock."""
    sim = create_simulator("hubspot", records=2_500, clock=clock)
    assert isinstance(sim, HubSpotSimulator)
    async with sim:
        yield sim


@pytest.fixture
async def client(hubspot: HubSpotSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain HTTP client talking to the in-process simulator, with a valid private-app token."""
    headers = {"Authorization": f"Bearer {hubspot.default_token.value}"}
    transport = httpx2.ASGITransport(app=hubspot.app)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a loopback port for the duration; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to await)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def walk(
    client: httpx2.AsyncClient, path: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Follow paging.next.after to the end; return every result."""
    results: list[dict[str, Any]] = []
    params = dict(params or {})
    while True:
        response = await client.get(path, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        results.extend(page["results"])
        if "paging" not in page:
            return results
        params["after"] = page["paging"]["next"]["after"]


Walk = Callable[..., Any]


@pytest.fixture(name="walk")
def walk_fixture() -> Callable[..., Any]:
    """`await walk(client, path, params)`: every result, following paging.next.after."""
    return walk


@pytest.fixture(name="serving")
def serving_fixture() -> Callable[[Any], Any]:
    """`async with serving(app) as base_url`: the app under uvicorn on a loopback port."""
    return serving


@pytest.fixture
def new_hubspot(clock: FakeClock) -> Callable[..., HubSpotSimulator]:
    """Build another HubSpot on the test's fake clock (closed by the caller)."""

    def make(**options: Any) -> HubSpotSimulator:
        sim = create_simulator("hubspot", clock=clock, **options)
        assert isinstance(sim, HubSpotSimulator)
        return sim

    return make


@pytest.fixture
async def webhook_receiver(serving: Any) -> AsyncIterator[tuple[str, list[Any]]]:
    """A Starlette app on loopback recording every POST to /hook: (url, [(headers, body)])."""
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=200)

    async with serving(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as url:
        yield url + "/hook", received
