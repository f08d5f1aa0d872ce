"""The served app's credential reads are audited by the vault: the webhook intake's as
`webhooks`, what the server reads for itself as `server`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import orjson
import pytest

from interlink.server._runtime import app_from_settings
from interlink.settings import load_settings
from interlink.simulators.hubspot._wire import signature_v3
from interlink.store import Store, open_store
from interlink.vault import FileKeySource, Vault

SECRET = "hubspot-app-secret"
BASE = "http://interlink.test"


@pytest.fixture
async def served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx2.AsyncClient, Store]]:
    """`interlink serve`'s app (no scheduler, HubSpot routed to a closed loopback port) over a
    store with one HubSpot connection `conn_hs` whose credentials hold the app secret."""
    for name in ("INTERLINK_SECRET_KEY", "INTERLINK_SECRET_KEY_RETIRED", "INTERLINK_SETTINGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    store = open_store(url)
    tenant = store.create_tenant("Acme")
    store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={},
                            connection_id="conn_hs")  # fmt: skip
    Vault(store, FileKeySource(tmp_path / "secret.key")).put(
        "conn_hs", {"access_token": "pat-1", "client_secret": SECRET}
    )
    settings = load_settings(database_url=url, key_file=tmp_path / "secret.key",
                             routes={"api.hubapi.com": "http://127.0.0.1:9"})  # fmt: skip
    app = app_from_settings(settings, schedule=False, webhooks=True)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url=BASE) as client:
                yield client, store
    finally:
        store.close()


def _signed(body: bytes, path: str) -> dict[str, str]:
    """Headers of a delivery signed as HubSpot signs v3 (the simulator's own signer)."""
    stamp = str(int(time.time() * 1000))
    signature = signature_v3(SECRET, "POST", f"{BASE}{path}", body, stamp)
    return {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": stamp,
            "Content-Type": "application/json"}  # fmt: skip


async def test_the_webhook_intake_audits_its_secret_read(
    served: tuple[httpx2.AsyncClient, Store],
) -> None:
    """A delivery to the served intake reads the connection's webhook secret from the vault,
    and that read is in the audit log as `webhooks`, for the connection's tenant."""
    client, store = served
    path = "/webhooks/hubspot/conn_hs"
    body = orjson.dumps([{"eventId": 7, "subscriptionType": "contact.creation", "objectId": 9,
                          "occurredAt": int(time.time() * 1000)}])  # fmt: skip
    answer = await client.post(path, content=body, headers=_signed(body, path))
    assert answer.status_code == 200, answer.text
    reads = [e for e in store.list_audit() if e.action == "credentials.read"]
    intake = [(e.actor, e.target, e.outcome) for e in reads if e.actor == "webhooks"]
    assert intake == [("webhooks", "conn_hs", "ok")]
    (tenant,) = store.list_tenants()
    assert {e.tenant_id for e in reads} == {tenant.id}
    # The server's processor may meanwhile open the connection to apply the event: as `server`.
    assert {e.actor for e in reads} <= {"webhooks", "server"}
