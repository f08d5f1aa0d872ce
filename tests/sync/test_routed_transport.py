"""RoutedTransport: a vendor's real URLs sent to a loopback server, as a reverse proxy would."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.sync._loopback import serving

import interlink
from interlink import FakeClock, State
from interlink.errors import ConfigError
from interlink.http import AiohttpTransport, MockTransport, Request, RoutedTransport, respond
from interlink.simulators import create_simulator


async def _echo(request: StarletteRequest) -> JSONResponse:
    return JSONResponse(
        {
            "url": str(request.url),
            "host": request.headers.get("host"),
            "query": dict(request.query_params),
            "auth": request.headers.get("authorization"),
        }
    )


ECHO = Starlette(routes=[Route("/{path:path}", _echo, methods=["GET", "POST"])])


async def test_routed_host_reaches_loopback_as_the_vendor_url() -> None:
    """A routed request arrives on loopback with the vendor's host and scheme, query kept."""
    async with serving(ECHO) as base:
        transport = RoutedTransport({"api.hubapi.com": base}, AiohttpTransport())
        try:
            request = Request.build(
                "GET", "https://api.hubapi.com/crm/v3/objects/contacts", params={"limit": 5}
            )
            response = await transport.send(request)
        finally:
            await transport.aclose()
    body = response.json()
    assert body["url"] == "https://api.hubapi.com/crm/v3/objects/contacts?limit=5"
    assert body["host"] == "api.hubapi.com"
    assert response.request is request  # errors and next links name the vendor URL


async def test_wildcard_route_keeps_the_customer_subdomain() -> None:
    """`*.zendesk.com` routes every subdomain, and the subdomain arrives in Host."""
    async with serving(ECHO) as base:
        transport = RoutedTransport({"*.zendesk.com": base}, AiohttpTransport())
        try:
            response = await transport.send(
                Request.build("GET", "https://acme.zendesk.com/api/v2/tickets")
            )
        finally:
            await transport.aclose()
    assert response.json()["url"] == "https://acme.zendesk.com/api/v2/tickets"


async def test_unrouted_host_and_longest_suffix() -> None:
    """A host without a route is sent unchanged; the longest wildcard suffix wins."""
    sent: list[Request] = []

    def handler(request: Request) -> interlink.Response:
        sent.append(request)
        return respond(request, json={})

    transport = RoutedTransport(
        {"*.example.com": "http://127.0.0.1:1", "*.eu.example.com": "http://127.0.0.1:2/prefix"},
        MockTransport(handler),
    )
    await transport.send(Request.build("GET", "https://other.test/x"))
    await transport.send(Request.build("GET", "https://a.eu.example.com/x"))
    await transport.send(Request.build("GET", "https://b.example.com/y"))
    assert [r.url for r in sent] == [
        "https://other.test/x",
        "http://127.0.0.1:2/prefix/x",
        "http://127.0.0.1:1/y",
    ]
    assert sent[1].headers["X-Forwarded-Proto"] == "https"


@pytest.mark.parametrize(
    ("routes", "where"),
    [
        ({"api.hubapi.com": "127.0.0.1:8000"}, "routes.api.hubapi.com"),
        ({"api.hubapi.com": "ftp://127.0.0.1"}, "routes.api.hubapi.com"),
        ({"https://api.hubapi.com/": "http://127.0.0.1:1"}, "routes.https://api.hubapi.com/"),
    ],
)
def test_bad_routes_are_config_errors(routes: dict[str, str], where: str) -> None:
    """A route that is not host -> base URL is refused, naming the route."""
    with pytest.raises(ConfigError) as caught:
        RoutedTransport(routes, MockTransport(lambda r: respond(r)))
    assert caught.value.where == where


async def test_builtin_hubspot_lists_from_a_loopback_simulator() -> None:
    """The built-in HubSpot connector, unchanged, lists every contact of a loopback simulator."""
    clock = FakeClock()
    sim = create_simulator("hubspot", records=250, clock=clock)
    async with sim, serving(sim.app) as base:
        transport = RoutedTransport({"api.hubapi.com": base}, AiohttpTransport())
        async with interlink.connect(
            "hubspot",
            credentials={"access_token": sim.default_token.value},  # type: ignore[attr-defined]
            transport=transport,
            state=State.in_process(clock=clock),
            clock=clock,
        ) as conn:
            ids = [c.remote_id async for c in conn.list("contacts")]
    assert len(ids) == 250
    assert len(set(ids)) == 250
