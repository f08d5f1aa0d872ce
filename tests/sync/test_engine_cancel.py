"""A run cancelled while a page commits: the commit lands and the run counts it."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from tests.sync._kit import LEDGER_SPEC, TOKEN, Ledger, World

from interlink.connectors import ConnectorRegistry
from interlink.http import MockTransport
from interlink.store import AsyncStore, PageResult
from interlink.sync import StoreConnections, SyncEngine, SyncJob


class SlowCommits:
    """The test's store, each page's commit held until the test releases it."""

    def __init__(self, inner: AsyncStore) -> None:
        self._inner = inner
        self.committing = asyncio.Event()
        self.release = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def apply_page(self, **kwargs: Any) -> PageResult:
        self.committing.set()
        await self.release.wait()
        return await self._inner.apply_page(**kwargs)


async def test_cancelling_a_run_mid_commit_keeps_the_page_and_its_count(
    world: World, ledger: Ledger
) -> None:
    """Cancelled while page 1 commits: what lands is what the failed run's counters say."""
    conn = await world.connection("ledger", {"token": TOKEN})
    store = SlowCommits(world.store)
    source = StoreConnections(
        world.store, world.vault, registry=ConnectorRegistry([LEDGER_SPEC]),
        state=world.state, transport=MockTransport(ledger), clock=world.clock,
    )  # fmt: skip
    engine = SyncEngine(store, source, clock=world.clock, overlap=True)  # type: ignore[arg-type]
    task = asyncio.create_task(engine.run(SyncJob(conn.id, "contacts")))
    await store.committing.wait()
    task.cancel()
    await asyncio.sleep(0)  # the cancellation reaches the run while its commit waits
    store.release.set()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    [run] = await world.store.list_runs(connection_id=conn.id)
    assert (run.outcome, run.error) == ("failed", "cancelled")
    stored = await world.store.count_records(connection_id=conn.id)
    assert run.stats.created == stored >= 3  # every page that landed is counted
