"""The engine on PostgreSQL: commits overlap fetching there, and nothing else changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.sync._kit import PAGE, TOKEN, Ledger, World

from interlink import FakeClock, State
from interlink.http import Request, Response, respond
from interlink.store import AsyncStore, open_store
from interlink.sync import SyncJob
from interlink.vault import FileKeySource, Vault

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_world(
    postgres_url: str, postgres_schema: str, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[World]:
    """A World whose store is a fresh PostgreSQL schema."""
    store = AsyncStore(open_store(postgres_url, schema=postgres_schema, clock=clock))
    vault = Vault(store.store, FileKeySource(tmp_path / "secret.key"))
    tenant = await store.create_tenant("Acme")
    async with store:
        yield World(store, vault, tenant, clock, State.in_process(clock=clock))


async def test_full_failed_resumed_and_incremental_runs_on_postgresql(
    pg_world: World, ledger: Ledger
) -> None:
    """Overlapped commits on PostgreSQL: a failure keeps whole pages, the resume completes."""
    world = pg_world
    conn = await world.connection("ledger", {"token": TOKEN})

    def fail_page_4(request: Request, n: int) -> Response | None:
        if request.params.get("cursor") == str(3 * PAGE):
            return respond(request, 400, json={"message": "no"})
        return None

    ledger.fail = fail_page_4
    engine = world.ledger_engine(ledger)
    failed = await engine.run(SyncJob(conn.id, "contacts"))
    assert (failed.outcome, failed.stats.created) == ("failed", 3 * PAGE)
    assert await world.store.count_records(connection_id=conn.id) == 3 * PAGE
    ledger.fail = None
    resumed = await engine.run(SyncJob(conn.id, "contacts"))
    assert (resumed.outcome, resumed.stats.created) == ("succeeded", 1)
    world.clock.advance(60)
    ledger.touch("r003", first="Changed")
    incremental = await engine.run(SyncJob(conn.id, "contacts"))
    assert (incremental.mode, incremental.stats.updated) == ("incremental", 1)
    assert await world.store.count_records(connection_id=conn.id) == 10
