"""The intake mounted in the full server (`interlink serve`'s app): a signed delivery is stored,
a refused one is counted on /metrics, and the server's processor purges past the retention."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import orjson
import pytest

from interlink._clock import FakeClock
from interlink.server._runtime import app_from_settings
from interlink.settings import load_settings
from interlink.simulators.hubspot._wire import signature_v3
from interlink.store import open_store
from interlink.vault import FileKeySource, Vault
from interlink.webhooks import Inbox
from interlink.webhooks._inbox import Delivery

SECRET = "hubspot-app-secret"
BASE = "http://interlink.test"
DAY = 86_400


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The server sees only the settings each test gives it."""
    for name in ("INTERLINK_SECRET_KEY", "INTERLINK_SECRET_KEY_RETIRED", "INTERLINK_SETTINGS",
                 "INTERLINK_WEBHOOK_RETENTION"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A store with one HubSpot connection, `conn_hs`, its app secret in the vault, and one
    event applied 30 days ago (past the 7-day default retention)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    with open_store(url, clock=FakeClock(start=time.time() - 30 * DAY)) as store:
        vault = Vault(store, FileKeySource(tmp_path / "secret.key"))
        tenant = store.create_tenant("Acme")
        store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={},
                                connection_id="conn_hs")  # fmt: skip
        vault.put("conn_hs", {"access_token": "pat-1", "client_secret": SECRET})
        inbox = Inbox.for_store(store)
        inbox.accept_many([Delivery("hubspot", "conn_hs", tenant.id, {}, [("conn_hs:old", {})])])
        (event,) = inbox.claim()
        with inbox.write("finishing the old event") as conn:
            inbox.finish(conn, event.id, "applied")
    return url


@pytest.fixture
async def server(url: str, tmp_path: Path) -> AsyncIterator[tuple[httpx2.AsyncClient, Inbox]]:
    """`interlink serve`'s app with its lifespan running (processor and dispatcher loops), a
    client over ASGI, and the inbox of its store. HubSpot's API is routed to a closed loopback
    port: nothing leaves the machine."""
    settings = load_settings(database_url=url, key_file=tmp_path / "secret.key",
                             routes={"api.hubapi.com": "http://127.0.0.1:9"})  # fmt: skip
    app = app_from_settings(settings, schedule=False, webhooks=True)
    store = open_store(url)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url=BASE) as client:
                yield client, Inbox.for_store(store)
    finally:
        store.close()


def _signed(body: bytes, path: str) -> dict[str, str]:
    """Headers of a delivery signed as HubSpot signs v3 (the simulator's own signer)."""
    stamp = str(int(time.time() * 1000))
    signature = signature_v3(SECRET, "POST", f"{BASE}{path}", body, stamp)
    return {"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": stamp,
            "Content-Type": "application/json"}  # fmt: skip


async def test_the_served_app_stores_a_signed_delivery_and_counts_a_refusal(
    server: tuple[httpx2.AsyncClient, Inbox],
) -> None:
    """POST /webhooks/hubspot/{id} on the full server stores the event before its 200; a
    delivery with a wrong signature is a 401 problem, stores nothing, and is counted on the
    server's /metrics by provider and reason."""
    client, inbox = server
    path = "/webhooks/hubspot/conn_hs"
    body = orjson.dumps([{"eventId": 501, "subscriptionType": "deal.creation", "objectId": 9,
                          "occurredAt": int(time.time() * 1000)}])  # fmt: skip
    answer = await client.post(path, content=body, headers=_signed(body, path))
    assert answer.status_code == 200, answer.text
    assert answer.headers["interlink-stored"] == "1"
    assert [e.payload["eventId"] for e in inbox.events() if e.key == "conn_hs:501"] == [501]

    forged = {**_signed(body, path), "X-HubSpot-Signature-v3": base64.b64encode(b"x" * 32).decode()}
    refused = await client.post(path, content=orjson.dumps([{"eventId": 502}]), headers=forged)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["reason"] == "bad_signature"
    assert not [e for e in inbox.events() if e.key == "conn_hs:502"]
    scraped = (await client.get("/metrics")).text
    assert ('interlink_webhook_rejections_total{provider="hubspot",reason="bad_signature"} 1.0'
            in scraped)  # fmt: skip
    assert 'interlink_webhook_events_total{outcome="stored",provider="hubspot"} 1.0' in scraped


async def test_the_served_processor_purges_events_past_the_retention(
    server: tuple[httpx2.AsyncClient, Inbox],
) -> None:
    """The server's processor loop purges, on start, the event applied 30 days ago (the
    default webhook_retention is 7 days): its key is forgotten."""
    _, inbox = server
    for _ in range(500):  # bounded: the purge runs on the loop's database thread
        if not [e for e in inbox.events() if e.key == "conn_hs:old"]:
            break
        await asyncio.sleep(0.01)
    assert [e.key for e in inbox.events() if e.key == "conn_hs:old"] == []
