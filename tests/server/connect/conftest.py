"""The server with the connect flow mounted, Salesforce (OAuth) and Stripe (API key) simulated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import pytest

from interlink import ASGITransport
from interlink._clock import FakeClock
from interlink.connectors import ConnectorRegistry
from interlink.http import Request, Response
from interlink.server import create_app
from interlink.server._keys import ApiKeys
from interlink.server.connect import ConnectConfig, OAuthApp, connect_router
from interlink.simulators import create_simulator
from interlink.simulators.salesforce import SalesforceSimulator
from interlink.simulators.stripe import StripeSimulator
from interlink.simulators.zendesk import ZendeskSimulator
from interlink.store import AsyncStore, Tenant, open_store
from interlink.sync import StoreConnections
from interlink.vault import FileKeySource, Vault

SERVER = "http://interlink.test"


class Hosts:
    """One transport to several simulators, chosen by the request's host (as DNS would)."""

    def __init__(self, routes: dict[str, ASGITransport]) -> None:
        self.routes = routes
        self.seen: list[tuple[str, str]] = []

    async def send(self, request: Request) -> Response:
        host = urlsplit(request.url).hostname or ""
        self.seen.append((host, urlsplit(request.url).path))
        return await self.routes[host].send(request)

    async def aclose(self) -> None:
        return None


@dataclass
class World:
    store: AsyncStore
    vault: Vault
    clock: FakeClock
    salesforce: SalesforceSimulator
    stripe: StripeSimulator
    zendesk: ZendeskSimulator
    tenant: Tenant
    other: Tenant
    key: str
    api: httpx2.AsyncClient
    """The product's backend: calls the API with the tenant's key."""
    browser: httpx2.AsyncClient
    """The end user's browser on Interlink's pages (keeps cookies, follows no redirect)."""
    vendor: httpx2.AsyncClient
    """The same browser on the vendors' sites."""
    connections: StoreConnections
    transport: Hosts

    async def tenant_token(self, **body: object) -> str:
        answer = await self.api.post("/v1/connect/tokens", json=body)
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["token"]
        return token


@pytest.fixture
async def world(tmp_path: Path, clock: FakeClock) -> AsyncIterator[World]:
    """A server whose tenant Acme connects Salesforce through OAuth and Stripe with a key."""
    store = AsyncStore(open_store(f"sqlite:///{tmp_path / 'interlink.db'}", clock=clock))
    vault = Vault(store.store, FileKeySource(tmp_path / "secret.key"))
    salesforce = create_simulator("salesforce", records=5, clock=clock)
    stripe = create_simulator("stripe", records=5, clock=clock)
    zendesk = create_simulator("zendesk", records=5, clock=clock)
    assert isinstance(salesforce, SalesforceSimulator)
    assert isinstance(stripe, StripeSimulator)
    assert isinstance(zendesk, ZendeskSimulator)
    async with salesforce, stripe, zendesk:
        sf, st = ASGITransport(salesforce.app), ASGITransport(stripe.app)
        transport = Hosts(
            {"login.salesforce.com": sf, "acme.my.salesforce.com": sf, "api.stripe.com": st,
             "acme.zendesk.com": ASGITransport(zendesk.app)}
        )  # fmt: skip
        registry = ConnectorRegistry.default()
        connections = StoreConnections(
            store, vault, transport=transport, clock=clock, registry=registry
        )
        app = create_app(store, connections, clock=clock, registry=registry, auth_ttl=0)
        config = ConnectConfig(
            secret=b"s" * 32,
            vault=vault,
            transport=transport,
            apps={
                "salesforce": OAuthApp(salesforce.client_id, salesforce.client_secret),
                "zendesk": OAuthApp(zendesk.oauth.client_id, zendesk.oauth.client_secret),
            },
        )
        app.include_router(connect_router(config))
        tenant = await store.create_tenant("Acme")
        other = await store.create_tenant("Globex")
        key = ApiKeys(store.store).create(tenant.id).secret
        asgi = httpx2.ASGITransport(app=app)
        async with (
            httpx2.AsyncClient(
                transport=asgi, base_url=SERVER, headers={"Authorization": f"Bearer {key}"}
            ) as api,
            httpx2.AsyncClient(transport=asgi, base_url=SERVER) as browser,
            httpx2.AsyncClient(transport=httpx2.ASGITransport(app=salesforce.app)) as vendor,
        ):
            yield World(
                store, vault, clock, salesforce, stripe, zendesk, tenant, other, key, api, browser,
                vendor, connections, transport,
            )  # fmt: skip
        await store.aclose()
