"""`interlink serve` delivers outbound webhooks: its lifespan runs the dispatcher loop, and
replicas running one each never send a change twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import standardwebhooks
from tests.simulators.conftest import serving
from tests.webhooks.test_outbound import Endpoint, change

from interlink._clock import FakeClock
from interlink.server._runtime import app_from_settings
from interlink.settings import load_settings
from interlink.store import Store, open_store
from interlink.vault import FileKeySource, Vault
from interlink.webhooks import OutboundDispatcher, Subscriptions


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    """A product's endpoint, served with uvicorn on loopback."""
    hook = Endpoint()
    async with serving(hook) as base:
        hook.url = f"{base}/hooks"
        yield hook


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The server sees only the settings each test gives it."""
    for name in ("INTERLINK_SECRET_KEY", "INTERLINK_SECRET_KEY_RETIRED", "INTERLINK_SETTINGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


async def test_serve_delivers_change_events_and_stops_cleanly(
    tmp_path: Path, endpoint: Endpoint
) -> None:
    """While the app's lifespan runs, a change reaches a subscribed endpoint signed with its
    secret; leaving the lifespan stops the dispatcher loop instead of hanging."""
    url, key_file = f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "secret.key"
    with open_store(url) as store:
        vault = Vault(store, FileKeySource(key_file))
        tenant = store.create_tenant("Acme")
        store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={},
                                connection_id="conn_out")  # fmt: skip
        _, secret = Subscriptions.for_vault(store._engine, vault).add(tenant.id, endpoint.url)
        change(store, tenant, "1", "Ada")

    app = app_from_settings(
        load_settings(database_url=url, key_file=key_file), schedule=False, webhooks=True
    )
    async with app.router.lifespan_context(app):
        for _ in range(500):  # bounded: a broken loop fails the test instead of hanging it
            if endpoint.received:
                break
            await asyncio.sleep(0.01)
    # Leaving the lifespan awaited every loop: none is left running.
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "outbound webhooks"]
    [(headers, body)] = endpoint.received
    event = standardwebhooks.Webhook(secret).verify(body, headers)
    assert event["data"]["record"]["first_name"] == "Ada"


async def test_dispatchers_side_by_side_send_each_change_once(
    store: Store, vault: Vault, clock: FakeClock, endpoint: Endpoint
) -> None:
    """Two dispatchers on one store (two `interlink serve` replicas) passing at the same time
    send every change exactly once between them."""
    tenant = store.create_tenant("Acme")
    store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={},
                            connection_id="conn_out")  # fmt: skip
    Subscriptions.for_vault(store._engine, vault, clock=clock).add(tenant.id, endpoint.url)
    for i in range(20):
        change(store, tenant, str(i), f"name {i}")
    first, second = (OutboundDispatcher.for_vault(store._engine, vault, clock=clock) for _ in "ab")
    try:
        await first._call(first.fan_out)
        one, two = await asyncio.gather(first.deliver_due(), second.deliver_due())
    finally:
        await first.aclose()
        await second.aclose()
    assert one.delivered + two.delivered == 20
    ids = [headers["webhook-id"] for headers, _ in endpoint.received]
    assert len(ids) == len(set(ids)) == 20
