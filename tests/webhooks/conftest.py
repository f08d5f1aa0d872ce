"""Fixtures for the webhook tests: a SQLite store with its vault, a HubSpot simulator and a
connection to it, and the intake and processor wired exactly as a deployment wires them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from interlink import ASGITransport
from interlink._clock import FakeClock
from interlink.http import Transport
from interlink.simulators import create_simulator
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.store import AsyncStore, ConnectionRow, Store, open_store
from interlink.sync import StoreConnections
from interlink.vault import FileKeySource, Vault
from interlink.webhooks import (
    Inbox,
    StoreTargets,
    WebhookIntake,
    WebhookProcessor,
    WebhookProviders,
)

BASE = "http://hooks.test"


def outcome(response: httpx2.Response) -> dict[str, int]:
    """What a 200 from the intake says it did: events stored and duplicates."""
    assert response.status_code == 200, response.text
    return {"stored": int(response.headers["interlink-stored"]),
            "duplicates": int(response.headers["interlink-duplicates"])}  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    """A migrated store on the fake clock: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        opened = open_store(f"sqlite:///{tmp_path / 'interlink.db'}", clock=clock)
    else:
        url: str = request.getfixturevalue("postgres_url")
        schema: str = request.getfixturevalue("postgres_schema")
        opened = open_store(url, schema=schema, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    """A migrated SQLite store in tmp_path/interlink.db (for tests that share the file)."""
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


@asynccontextmanager
async def wiring(
    store: Store,
    vault: Vault,
    transport: Transport,
    clock: FakeClock,
    providers: WebhookProviders | None = None,
    **processor: Any,
) -> AsyncIterator[Wired]:
    """Intake over ASGI and a processor whose connections reach a simulator through `transport`."""
    inbox = Inbox.for_store(store)
    providers = providers or WebhookProviders()
    targets = StoreTargets(store._engine, providers, vault.get, clock=clock)
    intake = WebhookIntake(inbox, targets, clock=clock, max_body=64 * 1024)
    astore = AsyncStore(store)
    opener = StoreConnections(astore, vault, transport=transport, clock=clock)
    worker = WebhookProcessor(inbox, providers, opener, clock=clock, **processor)
    asgi = httpx2.ASGITransport(app=intake)
    async with httpx2.AsyncClient(transport=asgi, base_url=BASE) as client:
        yield Wired(inbox, intake, client, worker)
    await worker.aclose()
    intake.close()
    await astore.aclose()


@pytest.fixture
async def wired(
    store: Store, vault: Vault, hubspot: HubSpotSimulator, clock: FakeClock
) -> AsyncIterator[Wired]:
    """The wiring on the HubSpot simulator (in process, over ASGI)."""
    async with wiring(store, vault, ASGITransport(hubspot.app), clock) as wired:
        yield wired
