"""Outbound delivery: change events to subscribed endpoints, signed, once, in order, retried."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
import standardwebhooks
from tests.simulators.conftest import serving

from interlink._clock import FakeClock
from interlink._errors import ConfigError
from interlink.models import record_id
from interlink.store import PreparedRecord, Store, Tenant
from interlink.vault import Vault
from interlink.webhooks import OutboundDispatcher, Subscriptions, list_attempts, list_deliveries


@dataclass
class Endpoint:
    """A product's webhook endpoint on loopback: records requests, answers `statuses` then 200."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while (message := await receive())["type"] == "http.request":
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            self.received.append((headers, body))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def tenant(store: Store) -> Tenant:
    """A tenant with one HubSpot connection."""
    tenant = store.create_tenant("Acme")
    store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={},
                            connection_id="conn_out")  # fmt: skip
    return tenant


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock starting now: the standardwebhooks SDK checks timestamps on the real one."""
    return FakeClock(start=time.time())


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    """The endpoint, served with uvicorn on loopback."""
    app = Endpoint()
    async with serving(app) as base:
        app.url = f"{base}/hooks"
        yield app


@pytest.fixture
async def dispatcher(
    store: Store, vault: Vault, clock: FakeClock
) -> AsyncIterator[OutboundDispatcher]:
    subs = Subscriptions(store._engine, vault.cipher("webhook-subscriptions"), clock=clock)
    out = OutboundDispatcher(subs, clock=clock, trip_after=3, cooldown=600, disable_after=6,
                             max_attempts=5)  # fmt: skip
    yield out
    await out.aclose()


def change(store: Store, tenant: Tenant, remote_id: str, name: str, *, model: str = "crm.contact",
           resource: str = "contacts") -> None:  # fmt: skip
    """Write one record version through the store, which emits its change event."""
    data = {"first_name": name}
    store.upsert_record(
        tenant_id=tenant.id, connection_id="conn_out", resource=resource, model=model,
        record=PreparedRecord(record_id("conn_out", model, remote_id), remote_id, data, None,
                              hashlib.sha256(name.encode()).hexdigest(),
                              datetime(2026, 1, 1, tzinfo=UTC)),
    )  # fmt: skip


async def test_changes_are_delivered_signed_once_each(
    store: Store, tenant: Tenant, endpoint: Endpoint, dispatcher: OutboundDispatcher
) -> None:
    """Each change reaches the endpoint once, verifiable with the standardwebhooks SDK, with a
    unique event id; fanning out again sends nothing twice."""
    sub, secret = dispatcher.subs.add(tenant.id, endpoint.url)
    change(store, tenant, "1", "Ada")
    change(store, tenant, "2", "Grace")
    stats = await dispatcher.run_once()
    assert (stats.queued, stats.delivered) == (2, 2)
    again = await dispatcher.run_once()
    assert (again.queued, again.delivered) == (0, 0)
    verifier = standardwebhooks.Webhook(secret)
    events = [verifier.verify(body, headers) for headers, body in endpoint.received]
    assert [e["type"] for e in events] == ["crm.contact.created"] * 2
    assert [e["data"]["record"]["first_name"] for e in events] == ["Ada", "Grace"]
    assert len({h["webhook-id"] for h, _ in endpoint.received}) == 2
    assert all(
        e["id"] == h["webhook-id"] for e, (h, _) in zip(events, endpoint.received, strict=True)
    )
    with store._engine.connect() as conn:
        sealed = conn.exec_driver_sql("SELECT secret FROM webhook_subscriptions").scalar()
    assert secret.encode() not in bytes(sealed)
    assert sub.status == "active"


async def test_only_changes_after_subscribing_and_of_wanted_models(
    store: Store, tenant: Tenant, endpoint: Endpoint, dispatcher: OutboundDispatcher
) -> None:
    """A new subscription starts at the next change, and gets only the models it asked for."""
    change(store, tenant, "1", "before")
    dispatcher.subs.add(tenant.id, endpoint.url, models=["crm.company"])
    change(store, tenant, "2", "a contact")
    change(store, tenant, "3", "Initech", model="crm.company", resource="companies")
    stats = await dispatcher.run_once()
    assert stats.delivered == 1
    (event,) = [orjson.loads(body) for _, body in endpoint.received]
    assert (event["type"], event["data"]["remote_id"]) == ("crm.company.created", "3")


async def test_failures_back_off_keep_record_order_and_are_listed(
    store: Store, tenant: Tenant, endpoint: Endpoint, dispatcher: OutboundDispatcher,
    clock: FakeClock,
) -> None:  # fmt: skip
    """The endpoint fails twice: the first change is retried later and later, the record's
    second change waits behind it, both arrive in order, and every attempt is listed."""
    sub, _ = dispatcher.subs.add(tenant.id, endpoint.url)
    change(store, tenant, "1", "v1")
    change(store, tenant, "1", "v2")
    endpoint.statuses = [500, 503]
    first = await dispatcher.run_once()
    assert (first.failed, first.delivered, first.waiting) == (1, 0, 1)
    pending = list_deliveries(store._engine, subscription_id=sub.id, status="pending")
    older = min(pending, key=lambda d: d.seq)
    waits = []
    for _ in range(2):
        current = next(d for d in list_deliveries(store._engine) if d.id == older.id)
        assert current.next_attempt_at is not None
        waits.append((current.next_attempt_at - dispatcher.subs.now()).total_seconds())
        assert (await dispatcher.deliver_due()).delivered == 0  # not due yet
        clock.advance(waits[-1])
        await dispatcher.deliver_due()
    assert waits[1] > waits[0] > 0
    await dispatcher.run_once()
    kinds = [orjson.loads(body)["type"] for _, body in endpoint.received]
    assert kinds == ["crm.contact.created", "crm.contact.updated"]
    tries = list_attempts(store._engine, older.id)
    assert [(a.attempt, a.status) for a in tries] == [(1, 500), (2, 503), (3, 200)]
    assert all(d.status == "delivered" for d in list_deliveries(store._engine))


async def test_a_failing_endpoint_trips_its_circuit_then_is_disabled(
    store: Store, tenant: Tenant, endpoint: Endpoint, dispatcher: OutboundDispatcher,
    clock: FakeClock,
) -> None:  # fmt: skip
    """Three failures pause the endpoint (nothing sent while paused), and six disable it with
    the reason recorded; nothing is lost: its deliveries stay listed."""
    sub, _ = dispatcher.subs.add(tenant.id, endpoint.url)
    for n in range(4):
        change(store, tenant, str(n), f"r{n}")
    endpoint.statuses = [500] * 100
    stats = await dispatcher.run_once()
    assert stats.failed == 3
    paused = dispatcher.subs.get(sub.id)
    assert paused is not None
    assert paused.paused_until is not None
    clock.advance(60)
    assert (await dispatcher.deliver_due()).failed == 0  # paused: nothing sent
    for _ in range(6):
        clock.advance(3600)
        await dispatcher.deliver_due()
    disabled = dispatcher.subs.get(sub.id)
    assert disabled is not None
    assert disabled.status == "disabled"
    assert "6 consecutive failed deliveries" in (disabled.disabled_reason or "")
    assert "HTTP 500" in (disabled.disabled_reason or "")
    assert len(list_deliveries(store._engine, subscription_id=sub.id)) == 4


def test_subscription_urls_and_tenants_are_checked(
    store: Store, tenant: Tenant, dispatcher: OutboundDispatcher
) -> None:
    """Plain http off loopback, a non-URL, or an unknown tenant is a ConfigError naming it."""
    for url in ("http://example.com/hook", "ftp://x/y", "not a url"):
        with pytest.raises(ConfigError, match=r"subscription\.url"):
            dispatcher.subs.add(tenant.id, url)
    with pytest.raises(ConfigError, match="no tenant"):
        dispatcher.subs.add("ten_missing", "https://example.com/hook")
    sub, _ = dispatcher.subs.add(tenant.id, "https://example.com/hook")
    assert [s.id for s in dispatcher.subs.list(tenant_id=tenant.id)] == [sub.id]
    assert dispatcher.subs.remove(sub.id)
    assert not dispatcher.subs.remove(sub.id)


async def test_run_delivers_as_changes_happen_until_stopped(
    store: Store, tenant: Tenant, endpoint: Endpoint, dispatcher: OutboundDispatcher
) -> None:
    """The long-running loop picks up a change made while it idles, then stops when told."""
    import asyncio

    dispatcher.subs.add(tenant.id, endpoint.url)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop, poll=1.0))
    await asyncio.sleep(0)
    change(store, tenant, "7", "Live")
    for _ in range(2000):
        if endpoint.received:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task
    assert [orjson.loads(body)["data"]["remote_id"] for _, body in endpoint.received] == ["7"]


async def test_a_paused_endpoint_does_not_hold_up_another(
    store: Store, tenant: Tenant, endpoint: Endpoint, dispatcher: OutboundDispatcher
) -> None:
    """One endpoint failing every delivery trips its circuit; another tenant endpoint still
    gets every change in the same pass."""
    healthy = Endpoint()
    async with serving(healthy) as base:
        healthy.url = f"{base}/ok"
        dispatcher.subs.add(tenant.id, endpoint.url)
        dispatcher.subs.add(tenant.id, healthy.url)
        for n in range(5):
            change(store, tenant, str(n), f"r{n}")
        endpoint.statuses = [500] * 100
        stats = await dispatcher.run_once()
    assert (stats.failed, stats.paused, stats.delivered) == (3, 2, 5)
    assert len(healthy.received) == 5


async def test_a_deleted_record_is_delivered_as_a_deleted_change(
    store: Store, tenant: Tenant, endpoint: Endpoint, dispatcher: OutboundDispatcher
) -> None:
    """A record deleted after it was created reaches the endpoint as `crm.contact.deleted`,
    signed, after its `created` and naming the same record."""
    _, secret = dispatcher.subs.add(tenant.id, endpoint.url)
    change(store, tenant, "9", "Ada")
    gone = PreparedRecord(record_id("conn_out", "crm.contact", "9"), "9", {}, None, "",
                          None, deleted=True)  # fmt: skip
    _, kind = store.upsert_record(
        tenant_id=tenant.id, connection_id="conn_out", resource="contacts", model="crm.contact",
        record=gone,
    )  # fmt: skip
    assert kind == "deleted"
    first = await dispatcher.run_once()
    assert (first.queued, first.delivered, first.waiting) == (2, 1, 1)  # one per record a pass
    assert (await dispatcher.run_once()).delivered == 1
    verifier = standardwebhooks.Webhook(secret)
    events = [verifier.verify(body, headers) for headers, body in endpoint.received]
    assert [e["type"] for e in events] == ["crm.contact.created", "crm.contact.deleted"]
    created, deleted = (e["data"] for e in events)
    assert (deleted["change"], deleted["remote_id"]) == ("deleted", "9")
    assert deleted["id"] == created["id"] == record_id("conn_out", "crm.contact", "9")
