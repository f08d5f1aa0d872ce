"""The connect flow end to end in headless Chromium: the server and Salesforce on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.simulators.conftest import serving

from interlink._clock import FakeClock
from interlink.connectors import ConnectorRegistry
from interlink.http import AiohttpTransport, RoutedTransport
from interlink.server import create_app
from interlink.server._keys import ApiKeys
from interlink.server.connect import ConnectConfig, OAuthApp, TenantTokens
from interlink.simulators import TokenState, create_simulator
from interlink.simulators.salesforce import SalesforceSimulator
from interlink.store import AsyncStore, open_store
from interlink.sync import StoreConnections
from interlink.vault import FileKeySource, Vault

SECRET = b"browser-test-secret-of-32-bytes!"


async def test_pick_a_provider_authorize_and_land_back_connected(
    browser: Any, tmp_path: Path, clock: FakeClock
) -> None:
    """Hosted page → Salesforce → its consent screen (Allow) → back: the connection exists,
    its tokens sealed in the vault and accepted by the vendor."""
    store = AsyncStore(open_store(f"sqlite:///{tmp_path / 'interlink.db'}", clock=clock))
    vault = Vault(store.store, FileKeySource(tmp_path / "secret.key"))
    salesforce = create_simulator("salesforce", records=20, clock=clock)
    assert isinstance(salesforce, SalesforceSimulator)
    async with salesforce, serving(salesforce.app) as vendor_base:
        routes = {"login.salesforce.com": vendor_base, "acme.my.salesforce.com": vendor_base}
        transport = RoutedTransport(routes, AiohttpTransport())
        connections = StoreConnections(store, vault, transport=transport, clock=clock)
        app = create_app(
            store, connections, clock=clock, registry=ConnectorRegistry.default(),
            connect=ConnectConfig(
                SECRET, vault, transport, browser_routes=routes,
                apps={"salesforce": OAuthApp(salesforce.client_id, salesforce.client_secret)},
            ),
        )  # fmt: skip
        tenant = await store.create_tenant("Acme")
        ApiKeys(store.store).create(tenant.id)
        token, _ = TenantTokens(SECRET).mint(tenant.id, expires_at=clock.time() + 600)
        async with serving(app) as server:
            page = await browser.new_page()
            await page.goto(f"{server}/connect?tenant_token={token}")
            assert await page.title() == "Connect an account · Interlink"
            await page.click('a[data-provider="salesforce"]')
            await page.wait_for_url(f"{vendor_base}/services/oauth2/authorize?*")
            assert "asks to access" in await page.inner_text("body")
            await page.click("#allow")
            await page.wait_for_selector("#success")
            assert page.url.startswith(f"{server}/connect/salesforce/callback?")
            assert "is connected" in await page.inner_text("#success")
            await page.screenshot(path=str(tmp_path / "connect.png"), full_page=True)
        (row,) = await store.list_connections(tenant_id=tenant.id)
        assert (row.provider, row.auth_method) == ("salesforce", "oauth")
        credentials = vault.get(row.id)
        assert salesforce.tokens.check(credentials["access_token"]).state is TokenState.VALID
        sealed = await store.get_credential(row.id)
        assert sealed is not None
        assert credentials["refresh_token"].encode() not in sealed.blob
        assert salesforce.consent.consents == 1
        await connections.close()
    await store.aclose()
    print(f"screenshot: {tmp_path / 'connect.png'}")
