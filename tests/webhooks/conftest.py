"""Fixtures for the webhook tests: a SQLite store with its vault, a HubSpot simulator and a
connection to it, and the intake and processor wired exactly as a deployment wires them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from interlink import ASGITransport
from interlink._clock import FakeClock
from interlink.simulators import create_simulator
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.store import AsyncStore, ConnectionRow, Store, open_store
from interlink.sync._connections import StoreConnections
from interlink.vault import FileKeySource, Vault
from interlink.webhooks import (
    Inbox,
    StoreTargets,
    WebhookIntake,
    WebhookProcessor,
    WebhookProviders,
)

BASE = "http://hooks.test"


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    """A migrated SQLite store on the fake clock."""
    opened = open_store(f"sqlite:///{tmp_path / 'interlink.db'}", clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def vault(store: Store, tmp_path: Path) -> Vault:
    """The real vault over the store, its key in a temporary file."""
    return Vault(store, FileKeySource(tmp_path / "secret.key"))


@pytest.fixture
async def hubspot(clock: FakeClock) -> AsyncIterator[HubSpotSimulator]:
    """A 20-contact HubSpot simulator on the fake clock."""
    sim = create_simulator("hubspot", records=20, clock=clock)
    assert isinstance(sim, HubSpotSimulator)
    async with sim:
        yield sim


@pytest.fixture
def connection(store: Store, vault: Vault, hubspot: HubSpotSimulator) -> ConnectionRow:
    """One tenant's HubSpot connection, its token and app secret sealed in the vault."""
    tenant = store.create_tenant("Acme")
    row = store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={})
    vault.put(row.id, {"access_token": hubspot.default_token.value,
                       "client_secret": hubspot.client_secret})  # fmt: skip
    return row


@dataclass
class Wired:
    """The intake, its HTTP client and the processor, on one store."""

    inbox: Inbox
    intake: WebhookIntake
    client: httpx2.AsyncClient
    processor: WebhookProcessor

    def url(self, provider: str, connection_id: str) -> str:
        return f"{BASE}/webhooks/{provider}/{connection_id}"


@pytest.fixture
async def wired(
    store: Store, vault: Vault, hubspot: HubSpotSimulator, clock: FakeClock
) -> AsyncIterator[Wired]:
    """Intake over ASGI and a processor whose connections reach the HubSpot simulator."""
    inbox = Inbox.for_store(store)
    providers = WebhookProviders()
    intake = WebhookIntake(inbox, StoreTargets(store._engine, providers, vault.get, clock=clock),
                           clock=clock, max_body=64 * 1024)  # fmt: skip
    astore = AsyncStore(store)
    opener = StoreConnections(astore, vault, transport=ASGITransport(hubspot.app), clock=clock)
    processor = WebhookProcessor(inbox, providers, opener, clock=clock)
    transport = httpx2.ASGITransport(app=intake)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE) as client:
        yield Wired(inbox, intake, client, processor)
    await processor.aclose()
    intake.close()
    await astore.aclose()
