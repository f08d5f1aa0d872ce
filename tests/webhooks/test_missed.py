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
from interlink.simulators import FaultConfig
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
    """Eight changes, each its own delivery, under the simulator's seeded drop fault: the
    delivered ones are applied, and the next incremental sync finds exactly the dropped ones,
    reported as missed webhooks for the connection."""
    astore = AsyncStore(store)
    connections = StoreConnections(astore, vault, transport=ASGITransport(hubspot.app), clock=clock)
    engine = SyncEngine(astore, connections, clock=clock)
    try:
        initial = await engine.run(SyncJob(connection.id, "contacts"))
        assert initial.stats.created == 20
        assert missed_webhooks(store, [connection.id]) == []  # no webhook yet: nothing missed

        clock.advance(60)
        hubspot.faults.configure(FaultConfig(webhook_drop_rate=0.5, seed=3))
        async with serving(wired.intake) as base:
            hubspot.webhooks.url = f"{base}/webhooks/hubspot/{connection.id}"
            for n in range(8):
                await vendor.patch(f"{CONTACTS}/{1001 + n}", json={"properties": {"city": "Oslo"}})
                await hubspot.webhooks.flush()  # one delivery per change: each may be dropped
        dropped = {str(e["objectId"]) for e in hubspot.webhooks.dropped}
        assert 0 < len(dropped) < 8, dropped  # the seed drops some and delivers the others
        assert hubspot.counters.faults["webhook_drop"] == len(dropped)
        assert (await wired.processor.drain()).changes == {"updated": 8 - len(dropped)}
        stale = [
            str(n) for n in range(1001, 1009)
            if (row := store.get_record_by_remote(connection.id, "contacts", str(n))) is not None
            and row.remote_data["properties"].get("city") != "Oslo"
        ]  # fmt: skip
        assert set(stale) == dropped  # before the sync, exactly the dropped changes are missing

        clock.advance(60)
        run = await engine.run(SyncJob(connection.id, "contacts"))
    finally:
        await connections.close()
        await astore.aclose()
    assert (run.stats.updated, run.stats.created, run.stats.deleted) == (len(dropped), 0, 0)
    (missed,) = missed_webhooks(store, [connection.id])
    assert (missed.connection_id, missed.resource) == (connection.id, "contacts")
    assert (missed.runs, missed.updated, missed.total) == (1, len(dropped), len(dropped))

    env = {"INTERLINK_DATABASE_URL": str(store.url.render_as_string()),
           "INTERLINK_KEY_FILE": str(tmp_path / "secret.key")}  # fmt: skip
    result = CliRunner().invoke(app, ["webhooks", "missed", "--json"], env=env)
    assert result.exit_code == 0, result.stderr
    assert [(r["resource"], r["updated"], r["missed"]) for r in json.loads(result.stdout)] == [
        ("contacts", len(dropped), len(dropped))
    ]
