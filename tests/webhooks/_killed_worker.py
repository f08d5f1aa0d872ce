"""A webhook processor that is killed mid-event: run by test_restart as a real subprocess.

It claims the inbox's pending events and starts fetching the first one from a
HubSpot simulator that answers after an hour, so it is inside processing
(claimed, nothing applied) when the test sends SIGKILL.
"""

from __future__ import annotations

import asyncio
import sys

from interlink import ASGITransport
from interlink.simulators import FaultConfig, create_simulator
from interlink.store import AsyncStore, open_store
from interlink.sync import StoreConnections
from interlink.vault import FileKeySource, Vault
from interlink.webhooks import Inbox, WebhookProcessor, WebhookProviders


async def main(database: str, key_file: str) -> None:
    store = open_store(f"sqlite:///{database}")
    vault = Vault(store, FileKeySource(key_file))
    sim = create_simulator("hubspot", records=20)
    sim.faults.configure(FaultConfig(latency=3600.0))
    async with sim:
        astore = AsyncStore(store)
        opener = StoreConnections(astore, vault, transport=ASGITransport(sim.app))
        processor = WebhookProcessor(Inbox.for_store(store), WebhookProviders(), opener)
        await processor.run_once()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
