"""A tenant after a sync, with runs, drift, a received webhook and a dead letter: what the
dashboard shows. Shared by the unit tests and the browser test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
from fastapi import FastAPI

from interlink import ASGITransport
from interlink._clock import Clock
from interlink.connectors import ConnectorRegistry
from interlink.server import create_app
from interlink.server._keys import ApiKeys
from interlink.server.dashboard import DashboardConfig, dashboard_router
from interlink.simulators import FaultConfig, create_simulator
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.state import State
from interlink.store import AsyncStore, ConnectionRow, Tenant, open_store
from interlink.sync import StoreConnections, SyncEngine, SyncJob
from interlink.vault import FileKeySource, Vault
from interlink.webhooks import DeadLetter, Inbox, WebhookProcessor, WebhookProviders

SECRET = b"dashboard-test-secret-32-bytes!!"


@dataclass
class Dashboard:
    app: FastAPI
    store: AsyncStore
    hubspot: HubSpotSimulator
    tenant: Tenant
    other: Tenant
    connection: ConnectionRow
    key: str
    other_key: str
    letter: DeadLetter
    other_letter: DeadLetter
    processor: WebhookProcessor
    inbox: Inbox
    state: State


def _event(n: int, object_id: int, at_ms: int) -> dict[str, object]:
    return {"eventId": n, "subscriptionId": 1, "portalId": 62515, "appId": 1,
            "occurredAt": at_ms, "subscriptionType": "contact.propertyChange",
            "attemptNumber": 0, "objectId": object_id, "changeSource": "API"}  # fmt: skip


@asynccontextmanager
async def dashboard_world(
    tmp_path: Path, clock: Clock, *, records: int = 1_000
) -> AsyncIterator[Dashboard]:
    """HubSpot contacts synced for tenant Acme (then an update found by a second run and a
    failed run), a webhook dead-lettered for Acme and one for Globex."""
    store = AsyncStore(open_store(f"sqlite:///{tmp_path / 'interlink.db'}", clock=clock))
    vault = Vault(store.store, FileKeySource(tmp_path / "secret.key"))
    hubspot = create_simulator("hubspot", records=records, clock=clock)
    assert isinstance(hubspot, HubSpotSimulator)
    async with hubspot:
        registry = ConnectorRegistry.default()
        state = State.in_process(clock=clock)
        connections = StoreConnections(
            store, vault, transport=ASGITransport(hubspot.app), clock=clock, registry=registry,
            state=state,
        )  # fmt: skip
        engine = SyncEngine(store, connections, clock=clock)
        app = create_app(store, connections, clock=clock, registry=registry, auth_ttl=0)
        app.include_router(dashboard_router(DashboardConfig(SECRET, breakers=state.breakers)))
        tenant = await store.create_tenant("Acme")
        other = await store.create_tenant("Globex")
        keys = ApiKeys(store.store)
        rows = []
        for owner in (tenant, other):
            row = await store.create_connection(
                owner.id, "hubspot", auth_method="private_app", variables={}, name="HubSpot"
            )
            vault.put(row.id, {"access_token": hubspot.default_token.value})
            rows.append(row)
        connection = rows[0]
        first = await engine.run(SyncJob(connection.id, "contacts"))
        assert first.outcome == "succeeded", first.error
        inbox = Inbox.for_store(store.store, clock=clock)
        at = int(clock.time() * 1000)
        for n, row in enumerate(rows, start=1):
            events = [(f"{row.id}:{n}", _event(n, 1000 + n, at))]
            inbox.accept(provider="hubspot", connection_id=row.id, tenant_id=row.tenant_id,
                         headers={}, events=events)  # fmt: skip
        processor = WebhookProcessor(
            inbox, WebhookProviders(registry), connections, clock=clock, max_attempts=1
        )
        hubspot.faults.configure(FaultConfig(error_rates={500: 1.0}))
        stats = await processor.drain()
        assert stats.dead == 2
        failed = await engine.run(SyncJob(connection.id, "contacts"))
        assert failed.outcome == "failed"
        hubspot.faults.configure(FaultConfig())
        clock.advance(120)  # the breaker lets a probe through again
        headers = {"Authorization": f"Bearer {hubspot.default_token.value}"}
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=hubspot.app), base_url="https://api.hubapi.com"
        ) as vendor:
            changed = await vendor.patch(
                "/crm/v3/objects/contacts/1001",
                json={"properties": {"firstname": "Ada"}},
                headers=headers,
            )
            assert changed.status_code == 200
        clock.advance(1)
        second = await engine.run(SyncJob(connection.id, "contacts"))
        assert second.outcome == "succeeded", second.error
        (letter,) = [x for x in processor.dead_letters.letters() if x.tenant_id == tenant.id]
        (other_letter,) = [x for x in processor.dead_letters.letters() if x.tenant_id == other.id]
        try:
            yield Dashboard(
                app, store, hubspot, tenant, other, connection,
                keys.create(tenant.id, "dashboard").secret, keys.create(other.id).secret,
                letter, other_letter, processor, inbox, state,
            )  # fmt: skip
        finally:
            await processor.aclose()
            await connections.close()
            await store.aclose()
