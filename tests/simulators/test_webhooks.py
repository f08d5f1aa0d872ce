"""HubSpot webhooks: signed v3 deliveries to a loopback receiver; duplicates, reordering, drops."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx2
import pytest
from aiohttp import web

from interlink.simulators import FaultConfig
from interlink.simulators.hubspot import HubSpotSimulator

CONTACTS = "/crm/v3/objects/contacts"


@dataclass
class Received:
    url: str = ""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
async def receiver() -> AsyncIterator[Received]:
    """An aiohttp server on loopback that records every webhook request."""
    received = Received()

    async def hook(request: web.Request) -> web.Response:
        received.requests.append((dict(request.headers), await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    received.url = f"http://127.0.0.1:{port}/hook"
    yield received
    await runner.cleanup()


async def test_v3_signature_verifies_with_hubspots_algorithm(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator, receiver: Received
) -> None:
    """X-HubSpot-Signature-v3 = base64(HMAC-SHA256(secret, method + uri + body + timestamp))."""
    hubspot.webhooks.url = receiver.url
    await client.post(CONTACTS, json={"properties": {"email": "hook@example.com"}})
    await hubspot.webhooks.flush()
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    timestamp = headers["X-HubSpot-Request-Timestamp"]
    message = f"POST{receiver.url}".encode() + body + timestamp.encode()
    expected = base64.b64encode(
        hmac.new(hubspot.client_secret.encode(), message, hashlib.sha256).digest()
    ).decode()
    assert headers["X-HubSpot-Signature-v3"] == expected
    assert int(timestamp) == int(hubspot.clock.time() * 1000)
    events = httpx2.Response(200, content=body).json()
    assert events[0]["subscriptionType"] == "contact.creation"
    assert events[0]["portalId"]
    assert events[0]["objectId"]


async def test_update_and_delete_emit_events_in_one_batch(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator, receiver: Received
) -> None:
    """A propertyChange per changed property and a deletion, batched into one JSON array."""
    hubspot.webhooks.url = receiver.url
    await client.patch(f"{CONTACTS}/1001", json={"properties": {"firstname": "A", "city": "B"}})
    await client.delete(f"{CONTACTS}/1001")
    await hubspot.webhooks.flush()
    events = httpx2.Response(200, content=receiver.requests[0][1]).json()
    kinds = [(e["subscriptionType"], e.get("propertyName")) for e in events]
    assert kinds == [
        ("contact.propertyChange", "firstname"),
        ("contact.propertyChange", "city"),
        ("contact.deletion", None),
    ]
    assert hubspot.counters.webhook_events == 3


async def test_duplicate_deliveries(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator, receiver: Received
) -> None:
    """webhook_duplicate_rate 1.0 sends every delivery twice, byte for byte."""
    hubspot.webhooks.url = receiver.url
    hubspot.faults.configure(FaultConfig(webhook_duplicate_rate=1.0))
    await client.post(CONTACTS, json={"properties": {"email": "dup@example.com"}})
    await hubspot.webhooks.flush()
    assert len(receiver.requests) == 2
    assert receiver.requests[0][1] == receiver.requests[1][1]


async def test_out_of_order_deliveries(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator, receiver: Received
) -> None:
    """webhook_reorder delivers a flush's events newest first."""
    hubspot.webhooks.url = receiver.url
    hubspot.faults.configure(FaultConfig(webhook_reorder=True))
    for n in range(3):
        await client.post(CONTACTS, json={"properties": {"email": f"o{n}@example.com"}})
    await hubspot.webhooks.flush()
    events = [e for _, body in receiver.requests for e in httpx2.Response(200, content=body).json()]
    ids = [e["eventId"] for e in events]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 3


async def test_no_url_means_no_deliveries(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """Without a configured URL nothing is queued or sent."""
    await client.post(CONTACTS, json={"properties": {"email": "quiet@example.com"}})
    assert hubspot.webhooks.pending == 0
    assert await hubspot.webhooks.flush() == []


async def test_dropped_deliveries_are_never_sent_and_are_kept(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator, receiver: Received
) -> None:
    """webhook_drop_rate 1.0 sends nothing: the lost events are in `dropped`, the drop counted."""
    hubspot.webhooks.url = receiver.url
    hubspot.faults.configure(FaultConfig(webhook_drop_rate=1.0))
    await client.post(CONTACTS, json={"properties": {"email": "lost@example.com"}})
    await client.patch(f"{CONTACTS}/1001", json={"properties": {"city": "Oslo"}})
    assert await hubspot.webhooks.flush() == []
    assert receiver.requests == []
    kinds = [e["subscriptionType"] for e in hubspot.webhooks.dropped]
    assert kinds == ["contact.creation", "contact.propertyChange"]
    assert hubspot.counters.faults["webhook_drop"] == 1
    assert hubspot.counters.webhook_deliveries == 0


async def _drop_pattern(client: httpx2.AsyncClient, hubspot: HubSpotSimulator,
                        *, api_calls: int) -> list[bool]:  # fmt: skip
    """Twelve one-change flushes under a seeded 50% drop rate: which ones were dropped."""
    hubspot.faults.configure(FaultConfig(webhook_drop_rate=0.5, seed=7))
    pattern = []
    for n in range(12):
        for _ in range(api_calls):  # unrelated API traffic between deliveries
            await client.get(f"{CONTACTS}/1001")
        before = len(hubspot.webhooks.dropped)
        await client.patch(f"{CONTACTS}/{1001 + n}", json={"properties": {"city": f"c{n}"}})
        await hubspot.webhooks.flush()
        pattern.append(len(hubspot.webhooks.dropped) > before)
    return pattern


async def test_seeded_drops_repeat_whatever_the_api_traffic(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator, receiver: Received
) -> None:
    """The same seed drops the same deliveries, with or without API calls in between (webhook
    faults draw from their own seeded stream); some are dropped, some sent."""
    hubspot.webhooks.url = receiver.url
    quiet = await _drop_pattern(client, hubspot, api_calls=0)
    busy = await _drop_pattern(client, hubspot, api_calls=3)
    assert quiet == busy
    assert 0 < sum(quiet) < 12
    assert len(receiver.requests) == 2 * (12 - sum(quiet))


async def test_drop_rate_is_set_through_the_admin_api(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """POST /_sim/faults sets webhook_drop_rate; a rate outside 0..1 is a 400 naming it."""
    answer = await client.post("/_sim/faults", json={"webhook_drop_rate": 0.25})
    assert answer.status_code == 200
    assert answer.json()["webhook_drop_rate"] == 0.25
    assert hubspot.faults.config.webhook_drop_rate == 0.25
    refused = await client.post("/_sim/faults", json={"webhook_drop_rate": 2})
    assert refused.status_code == 400
    assert "webhook_drop_rate" in refused.json()["message"]
    assert hubspot.faults.config.webhook_drop_rate == 0.25
