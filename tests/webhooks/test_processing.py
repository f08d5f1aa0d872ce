"""Processing: hints fetched through the pipeline, applied once and in order, or dead-lettered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import orjson
import pytest
from tests.simulators.conftest import serving
from tests.webhooks.conftest import Wired, outcome

from interlink._clock import FakeClock
from interlink.simulators import FaultConfig
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.store import ConnectionRow, Store

CONTACTS = "/crm/v3/objects/contacts"


@pytest.fixture
async def vendor(hubspot: HubSpotSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain client of the HubSpot simulator, to change contacts the way a user would."""
    headers = {"Authorization": f"Bearer {hubspot.default_token.value}"}
    transport = httpx2.ASGITransport(app=hubspot.app)
    async with httpx2.AsyncClient(
        transport=transport, base_url="https://api.hubapi.com", headers=headers
    ) as client:
        yield client


def _event(n: int, kind: str, object_id: int, at_ms: int) -> dict[str, Any]:
    return {"eventId": n, "subscriptionId": 1, "portalId": 62515, "appId": 1,
            "occurredAt": at_ms, "subscriptionType": kind, "attemptNumber": 0,
            "objectId": object_id, "changeSource": "API"}  # fmt: skip


async def _deliver(wired: Wired, sim: HubSpotSimulator, connection_id: str, events: Any) -> Any:
    url = wired.url("hubspot", connection_id)
    body = orjson.dumps(events)
    headers = sim.webhooks.format.sign("POST", url, body, sim.clock.time())
    response = await wired.client.post(url, content=body, headers=headers)
    return outcome(response)


async def test_simulator_deliveries_over_loopback_update_the_store(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, store: Store,
    vendor: httpx2.AsyncClient,
) -> None:  # fmt: skip
    """HubSpot's signed batches, sent over real HTTP, become the contact's current state."""
    async with serving(wired.intake) as base:
        hubspot.webhooks.url = f"{base}/webhooks/hubspot/{connection.id}"
        await vendor.patch(f"{CONTACTS}/1001", json={"properties": {"firstname": "Grace"}})
        await hubspot.webhooks.flush()
    assert [d.status for d in hubspot.webhooks.sent] == [200]
    stats = await wired.processor.drain()
    assert (stats.applied, stats.changes) == (1, {"created": 1})
    record = store.get_record_by_remote(connection.id, "contacts", "1001")
    assert record is not None
    assert record.data["first_name"] == "Grace"
    assert record.tenant_id == connection.tenant_id

    async with serving(wired.intake) as base:
        hubspot.webhooks.url = f"{base}/webhooks/hubspot/{connection.id}"
        await vendor.delete(f"{CONTACTS}/1001")
        await hubspot.webhooks.flush()
    stats = await wired.processor.drain()
    assert stats.changes == {"deleted": 1}
    deleted = store.get_record_by_remote(connection.id, "contacts", "1001")
    assert deleted is not None
    assert deleted.remote_was_deleted


async def test_same_event_delivered_100_times_is_applied_once(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, store: Store
) -> None:
    """One event delivered 100 times: stored once, fetched once, one change event."""
    at = int(hubspot.clock.time() * 1000)
    answers = [
        await _deliver(
            wired, hubspot, connection.id, [_event(7, "contact.propertyChange", 1002, at)]
        )
        for _ in range(100)
    ]
    assert sum(a["stored"] for a in answers) == 1
    assert sum(a["duplicates"] for a in answers) == 99
    before = hubspot.counters.total_requests
    stats = await wired.processor.drain()
    assert stats.applied == 1
    assert hubspot.counters.total_requests - before == 1
    events = store.change_events(connection_id=connection.id)
    assert [(e.remote_id, e.kind) for e in events] == [("1002", "created")]


async def test_an_event_older_than_the_applied_one_is_kept_stale(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, store: Store,
    vendor: httpx2.AsyncClient,
) -> None:  # fmt: skip
    """A creation hint that arrives after the newer deletion is stale: the record stays deleted."""
    at = int(hubspot.clock.time() * 1000)
    await vendor.delete(f"{CONTACTS}/1003")
    await _deliver(wired, hubspot, connection.id, [_event(2, "contact.deletion", 1003, at + 5)])
    await wired.processor.drain()
    await _deliver(wired, hubspot, connection.id, [_event(1, "contact.creation", 1003, at)])
    stats = await wired.processor.drain()
    assert stats.stale == 1
    assert [e.status for e in wired.inbox.events()] == ["applied", "stale"]
    record = store.get_record_by_remote(connection.id, "contacts", "1003")
    assert record is None or record.remote_was_deleted


async def test_unknown_event_type_is_ignored_with_a_note(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow
) -> None:
    """An event no route covers is kept, marked ignored with the reason, and changes nothing."""
    at = int(hubspot.clock.time() * 1000)
    await _deliver(wired, hubspot, connection.id, [_event(1, "deal.creation", 5, at)])
    stats = await wired.processor.drain()
    assert stats.ignored == 1
    (event,) = wired.inbox.events()
    assert event.status == "ignored"
    assert "deal.creation" in (event.error or "")


async def test_failures_retry_with_backoff_then_dead_letter_then_replay(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, store: Store,
    clock: FakeClock,
) -> None:  # fmt: skip
    """A vendor failing every fetch: retried later and later, then dead-lettered; replayed
    once the vendor is back, it is applied."""
    wired.processor._max_attempts = 3  # type: ignore[attr-defined]
    at = int(clock.time() * 1000)
    await _deliver(wired, hubspot, connection.id, [_event(1, "contact.propertyChange", 1004, at)])
    hubspot.faults.configure(FaultConfig(error_rates={500: 1.0}))
    delays = []
    for _ in range(2):
        stats = await wired.processor.drain()
        assert stats.retried == 1
        (event,) = wired.inbox.events()
        assert event.status == "pending"
        assert "ServerError" in (event.error or "") or "CircuitOpenError" in (event.error or "")
        assert event.next_attempt_at is not None
        delays.append((event.next_attempt_at - wired.inbox.now()).total_seconds())
        assert (await wired.processor.drain()).handled == 0  # not due yet
        clock.advance(delays[-1] + 1)
    assert delays[1] > delays[0] > 0
    stats = await wired.processor.drain()
    assert stats.dead == 1
    (letter,) = wired.processor.dead_letters.letters()
    assert letter.attempts == 3
    assert letter.event["objectId"] == 1004
    assert "ServerError" in letter.error or "CircuitOpenError" in letter.error
    assert store.get_record_by_remote(connection.id, "contacts", "1004") is None

    hubspot.faults.configure(FaultConfig())
    clock.advance(120)  # the vendor has been back long enough for the breaker to probe
    assert wired.processor.dead_letters.replay(letter.id)
    assert not wired.processor.dead_letters.replay(letter.id)  # once only
    assert (await wired.processor.drain()).applied == 1
    assert store.get_record_by_remote(connection.id, "contacts", "1004") is not None
    assert wired.processor.dead_letters.letters() == []


async def test_an_event_no_retry_can_fix_goes_to_the_dead_letters_at_once(
    wired: Wired, connection: ConnectionRow
) -> None:
    """An event of a provider that declares no webhooks is dead-lettered on its first attempt."""
    wired.inbox.accept(provider="zoho", connection_id=connection.id, tenant_id=None, headers={},
                       events=[(f"{connection.id}:z1", {"id": "z1"})])  # fmt: skip
    stats = await wired.processor.drain()
    assert (stats.dead, stats.retried) == (1, 0)
    (letter,) = wired.processor.dead_letters.letters()
    assert letter.attempts == 1
    assert "zoho" in letter.error


async def test_run_processes_as_events_arrive_until_stopped(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, store: Store
) -> None:
    """The long-running loop applies a delivery that arrives while it idles, then stops."""
    import asyncio

    stop = asyncio.Event()
    task = asyncio.create_task(wired.processor.run(stop, poll=1.0))
    at = int(hubspot.clock.time() * 1000)
    await _deliver(wired, hubspot, connection.id, [_event(1, "contact.creation", 1006, at)])
    for _ in range(10_000):
        if store.get_record_by_remote(connection.id, "contacts", "1006") is not None:
            break
        await asyncio.sleep(0)
    stop.set()
    await task
    assert store.get_record_by_remote(connection.id, "contacts", "1006") is not None
