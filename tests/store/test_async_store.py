"""AsyncStore: every Store method, awaited, on the store's worker threads."""

from __future__ import annotations

import asyncio
import inspect
import threading
from pathlib import Path

import pytest
from tests.store.conftest import Seeded, record

from interlink.store import AsyncStore, Checkpoint, PageResult, RunStats, Store, open_store

NOT_FORWARDED = {"close", "head_revision"}  # close: aclose(); head_revision: no I/O


def test_every_public_store_method_is_forwarded() -> None:
    """AsyncStore has a coroutine for each public Store method, so the two cannot drift apart."""
    public = {
        name
        for name, member in inspect.getmembers(Store, inspect.isfunction)
        if not name.startswith("_")
    } - NOT_FORWARDED
    missing = {name for name in public if not hasattr(AsyncStore, name)}
    assert missing == set()


async def test_methods_run_on_the_worker_and_return_the_stores_answer(
    store: Store, seeded: Seeded
) -> None:
    """An awaited method returns exactly what the Store method returns."""
    async with AsyncStore(store) as astore:
        result = await astore.apply_page(
            tenant_id=seeded.tenant.id,
            connection_id=seeded.connection.id,
            resource="contacts",
            model="crm.contact",
            records=[record("1"), record("2")],
            checkpoint=Checkpoint(seeded.connection.id, "contacts"),
            run_id=seeded.run.id,
            stats=RunStats(seen=2),
        )
        assert result == PageResult(created=2)
        assert await astore.count_records() == 2
        assert await astore.get_connection(seeded.connection.id) == seeded.connection
        assert astore.get_tenant.__name__ == "get_tenant"
        assert astore.get_tenant.__doc__ == Store.get_tenant.__doc__


async def test_concurrent_pages_on_sqlite_share_one_writer_thread(tmp_path: Path) -> None:
    """On SQLite every call runs on one worker thread, so concurrent writers never contend."""
    store = open_store(f"sqlite:///{tmp_path / 'one-writer.db'}")
    tenant = store.create_tenant("Acme")
    conn = store.create_connection(tenant.id, "hubspot", auth_method="x", variables={})
    run = store.start_run(conn.id, "contacts", "full")
    async with AsyncStore(store) as astore:

        async def page(resource: str) -> tuple[PageResult, str]:
            result = await astore.apply_page(
                tenant_id=tenant.id,
                connection_id=conn.id,
                resource=resource,
                model="crm.contact",
                records=[record(f"{resource}-{i}") for i in range(50)],
                checkpoint=Checkpoint(conn.id, resource),
                run_id=run.id,
                stats=RunStats(),
            )
            return result, await astore.call(lambda: threading.current_thread().name)

        outcomes = await asyncio.gather(*(page(f"r{i}") for i in range(20)))
    assert {result for result, _ in outcomes} == {PageResult(created=50)}
    assert len({thread for _, thread in outcomes}) == 1
    assert outcomes[0][1].startswith("interlink-store")


async def test_postgresql_calls_overlap_on_several_workers(
    postgres_url: str, postgres_schema: str
) -> None:
    """On PostgreSQL concurrent calls are spread over more than one worker thread."""
    barrier = threading.Barrier(2, timeout=10)

    def meet() -> str:
        barrier.wait()  # two calls must be in flight at once for both to pass
        return threading.current_thread().name

    async with AsyncStore(open_store(postgres_url, schema=postgres_schema)) as astore:
        names = await asyncio.gather(astore.call(meet), astore.call(meet))
    assert len(set(names)) == 2


async def test_aclose_stops_the_workers(store: Store) -> None:
    """After aclose no call is accepted: the workers are gone and the store is closed."""
    astore = AsyncStore(store)
    await astore.list_tenants()
    await astore.aclose()
    with pytest.raises(RuntimeError, match="shutdown"):
        await astore.list_tenants()
