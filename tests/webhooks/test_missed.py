"""Reconciliation: changes whose webhooks the vendor dropped are found by the sync and counted."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from tests.simulators.conftest import serving
from tests.webhooks.conftest import Wired
from typer.testing import CliRunner

from interlink import ASGITransport
from interlink._clock import FakeClock
from interlink.cli import app
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.store import AsyncStore, ConnectionRow, Store
from interlink.sync import StoreConnections, SyncEngine, SyncJob
from interlink.vault import Vault
from interlink.webhooks import missed_webhooks

CONTACTS = "/crm/v3/objects/contacts"


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    """This module shares the store's file with another process or the CLI: SQLite."""
    return sqlite_store


@pytest.fixture
async def vendor(hubspot: HubSpotSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A plain client of the HubSpot simulator, to change contacts the way a user would."""
    headers = {"Authorization": f"Bearer {hubspot.default_token.value}"}
    transport = httpx2.ASGITransport(app=hubspot.app)
    async with httpx2.AsyncClient(
        transport=transport, base_url="https://api.hubapi.com", headers=headers
    ) as client:
        yield client


async def test_dropped_webhooks_are_found_by_the_sync_and_counted(
    wired: Wired, hubspot: HubSpotSimulator, connection: ConnectionRow, store: Store,
    vault: Vault, clock: FakeClock, vendor: httpx2.AsyncClient, tmp_path: Path,
) -> None:  # fmt: skip
    """Five changes delivered, three dropped: the next incremental sync finds exactly the
    three, and they are reported as missed webhooks for the connection."""
    astore = AsyncStore(store)
    connections = StoreConnections(astore, vault, transport=ASGITransport(hubspot.app), clock=clock)
    engine = SyncEngine(astore, connections, clock=clock)
    try:
        initial = await engine.run(SyncJob(connection.id, "contacts"))
        assert initial.stats.created == 20
        assert missed_webhooks(store, [connection.id]) == []  # no webhook yet: nothing missed

        clock.advance(60)
        async with serving(wired.intake) as base:
            hubspot.webhooks.url = f"{base}/webhooks/hubspot/{connection.id}"
            for n in range(5):
                await vendor.patch(f"{CONTACTS}/{1001 + n}", json={"properties": {"city": "Oslo"}})
            await hubspot.webhooks.flush()
        assert (await wired.processor.drain()).changes == {"updated": 5}

        hubspot.webhooks.url = None  # the vendor drops these three
        for n in range(5, 8):
            await vendor.patch(f"{CONTACTS}/{1001 + n}", json={"properties": {"city": "Lima"}})
        clock.advance(60)
        run = await engine.run(SyncJob(connection.id, "contacts"))
    finally:
        await connections.close()
        await astore.aclose()
    assert (run.stats.updated, run.stats.created, run.stats.deleted) == (3, 0, 0)
    (missed,) = missed_webhooks(store, [connection.id])
    assert (missed.connection_id, missed.resource) == (connection.id, "contacts")
    assert (missed.runs, missed.updated, missed.total) == (1, 3, 3)

    env = {"INTERLINK_DATABASE_URL": str(store.url.render_as_string()),
           "INTERLINK_KEY_FILE": str(tmp_path / "secret.key")}  # fmt: skip
    result = CliRunner().invoke(app, ["webhooks", "missed", "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    assert [(r["resource"], r["updated"], r["missed"]) for r in json.loads(result.stdout)] == [
        ("contacts", 3, 3)
    ]
