"""Several writers at once: migrations one after the other, change events in commit order."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from tests.store.conftest import record

from interlink.store import Checkpoint, RunStats, Store, open_store
from interlink.store._apply import Target, apply_records


def _open_at_once(url: str, schema: str | None, count: int) -> list[Store]:
    barrier = threading.Barrier(count)

    def opener() -> Store:
        barrier.wait()
        return open_store(url, schema=schema)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: opener(), range(count)))


def test_stores_opened_at_once_on_a_new_sqlite_file_all_migrate(tmp_path: Path) -> None:
    """Four processes' worth of open_store on one new SQLite file: each succeeds, one migrates."""
    stores = _open_at_once(f"sqlite:///{tmp_path / 'fresh.db'}", None, 4)
    assert {store.revision() for store in stores} == {Store.head_revision()}
    for store in stores:
        store.close()


def test_connections_opened_at_once_on_new_sqlite_files_all_switch_to_wal(
    tmp_path: Path,
) -> None:
    """Eight connections set up at once on a new file, thirty files over: every one gets
    the file in WAL and can write (the losers of the switch to WAL used to fail at once
    with "database is locked", in about one file in eight)."""
    import sqlite3

    from interlink.store._engine import _on_sqlite_connect

    failures: list[str] = []
    for trial in range(30):
        path = tmp_path / f"race-{trial}.db"
        barrier = threading.Barrier(8)

        def connect(path: Path = path, barrier: threading.Barrier = barrier) -> None:
            db = sqlite3.connect(path, check_same_thread=False)
            barrier.wait()
            try:
                _on_sqlite_connect(db, None)
                [(mode,)] = db.execute("PRAGMA journal_mode").fetchall()
                assert mode == "wal"
                db.execute("BEGIN IMMEDIATE")
                db.execute("CREATE TABLE IF NOT EXISTS t (x)")
                db.execute("COMMIT")
            except Exception as exc:  # collected: a thread's failure must fail the test
                failures.append(f"{path.name}: {exc!r}")
            finally:
                db.close()

        threads = [threading.Thread(target=connect) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


def test_stores_opened_at_once_on_a_new_postgresql_schema_all_migrate(
    postgres_url: str, postgres_schema: str
) -> None:
    """Four open_store calls at once on one empty PostgreSQL schema: each succeeds."""
    stores = _open_at_once(postgres_url, postgres_schema, 4)
    assert {store.revision() for store in stores} == {Store.head_revision()}
    for store in stores:
        store.close()


def test_postgresql_change_events_are_numbered_in_commit_order(
    postgres_url: str, postgres_schema: str
) -> None:
    """A page whose events are written while another transaction's are uncommitted waits
    for it, so a reader that saw the later seq can never miss the earlier one."""
    store = open_store(postgres_url, schema=postgres_schema)
    tenant = store.create_tenant("Acme")
    conn_row = store.create_connection(tenant.id, "hubspot", auth_method="x", variables={})
    run = store.start_run(conn_row.id, "contacts", "full")
    target = Target(tenant.id, conn_row.id, "contacts", "crm.contact")
    with store._writer.begin() as slow:
        apply_records(slow, target, [record("slow")], datetime.now(UTC))
        later = threading.Thread(
            target=store.apply_page,
            kwargs={
                "tenant_id": tenant.id,
                "connection_id": conn_row.id,
                "resource": "companies",
                "model": "crm.company",
                "records": [record("fast")],
                "checkpoint": Checkpoint(conn_row.id, "companies"),
                "run_id": run.id,
                "stats": RunStats(),
            },
        )
        later.start()
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        with store._engine.connect() as probe:
            for _ in range(500):  # until the second writer is queued behind the first
                if probe.execute(text(waiting)).scalar():
                    break
                time.sleep(0.01)
            else:
                raise AssertionError("the second writer never waited for the first")
        assert [e.remote_id for e in store.change_events()] == []
    later.join(timeout=30)
    assert [e.remote_id for e in store.change_events()] == ["slow", "fast"]
    store.close()


def test_two_sqlite_stores_on_one_file_write_without_locking_errors(tmp_path: Path) -> None:
    """Two stores (as two processes would) writing pages to one SQLite file at once queue
    for the write lock instead of failing with "database is locked"."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = open_store(url), open_store(url)
    tenant = first.create_tenant("Acme")
    conn_row = first.create_connection(tenant.id, "hubspot", auth_method="x", variables={})
    run = first.start_run(conn_row.id, "contacts", "full")
    barrier = threading.Barrier(2)

    def write(store: Store, resource: str) -> int:
        barrier.wait()
        created = 0
        for page in range(30):
            created += store.apply_page(
                tenant_id=tenant.id,
                connection_id=conn_row.id,
                resource=resource,
                model="crm.contact",
                records=[record(f"{resource}-{page}-{i}") for i in range(20)],
                checkpoint=Checkpoint(conn_row.id, resource),
                run_id=run.id,
                stats=RunStats(),
            ).created
        return created

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(write, (first, second), ("contacts", "companies")))
    assert results == [600, 600]
    assert first.count_records() == 1200
    first.close()
    second.close()
