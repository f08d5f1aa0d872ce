"""A sync in its own process, for the kill -9 test: one engine run of one connection.

    python tests/sync/_sync_child.py DB_PATH KEY_PATH CONNECTION_ID RESOURCE ROUTES_JSON

Prints the finished run as one JSON line. Everything is real: SQLite file,
vault key file, aiohttp over loopback to the simulator the test serves
(RoutedTransport sends the connector's vendor URLs there).
"""

from __future__ import annotations

import asyncio
import sys

import orjson

from interlink.http import AiohttpTransport, RoutedTransport
from interlink.store import AsyncStore, open_store
from interlink.sync import StoreConnections, SyncEngine, SyncJob
from interlink.vault import FileKeySource, Vault


async def main(db: str, key: str, connection_id: str, resource: str, routes: str) -> None:
    store = AsyncStore(open_store(f"sqlite:///{db}"))
    async with store:
        vault = Vault(store.store, FileKeySource(key))
        transport = RoutedTransport(orjson.loads(routes), AiohttpTransport(timeout=10.0))
        source = StoreConnections(store, vault, transport=transport)
        try:
            run = await SyncEngine(store, source).run(SyncJob(connection_id, resource))
        finally:
            await source.close()
    print(orjson.dumps({"outcome": run.outcome, "error": run.error, "requests": run.stats.requests,
                        "created": run.stats.created, "mode": run.mode}).decode())  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
