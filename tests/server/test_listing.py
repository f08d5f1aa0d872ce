"""The list endpoint's raw read agrees with `Store.list_records` on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from interlink._clock import FakeClock
from interlink.models import Contact, record_id
from interlink.server._listing import last_position, list_raw, page_json
from interlink.store import Checkpoint, PreparedRecord, RunStats, Store, open_store
from interlink.sync import prepare


def _fill(store: Store, clock: FakeClock) -> tuple[str, str]:
    tenant = store.create_tenant("T")
    conn = store.create_connection(tenant.id, "hubspot", auth_method="private_app", variables={})
    run = store.start_run(conn.id, "contacts", "full")
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for page in range(5):  # five pages, five updated_at values, ten records each
        batch = [
            prepare(
                Contact(
                    id=record_id(conn.id, "crm.contact", str(i)),
                    remote_id=str(i),
                    provider="hubspot",
                    connection_id=conn.id,
                    first_name=f"P{i}",
                    modified_at=base + timedelta(minutes=i),
                    remote_data={"id": i},
                )
            )
            for i in range(page * 10, page * 10 + 10)
        ]
        store.apply_page(
            tenant_id=tenant.id,
            connection_id=conn.id,
            resource="contacts",
            model="crm.contact",
            records=batch,
            checkpoint=Checkpoint(conn.id, "contacts"),
            run_id=run.id,
            stats=RunStats(),
        )
        clock.advance(1)
    row = store.get_record_by_remote(conn.id, "contacts", "3")
    assert row is not None
    gone = PreparedRecord(
        row.id,
        row.remote_id,
        row.data,
        row.remote_data,
        row.content_hash,
        row.modified_at,
        deleted=True,
    )
    store.upsert_record(
        tenant_id=tenant.id,
        connection_id=conn.id,
        resource="contacts",
        model="crm.contact",
        record=gone,
    )
    return tenant.id, conn.id


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    """A store with 50 contacts (one deleted) on each database."""
    if request.param == "sqlite":
        opened = open_store(f"sqlite:///{tmp_path / 'l.db'}", clock=clock)
    else:
        url = request.getfixturevalue("postgres_url")
        opened = open_store(url, schema=request.getfixturevalue("postgres_schema"), clock=clock)
    yield opened
    opened.close()


def test_pages_match_the_store(store: Store, clock: FakeClock) -> None:
    """Walking pages of 7 with the raw read yields the store's records, in its order, with the
    same documents; deleted ones only when asked, flagged; remote_data only when asked."""
    tenant_id, connection_id = _fill(store, clock)
    for include_deleted in (False, True):
        expected = store.list_records(
            tenant_id=tenant_id,
            connection_ids=None,
            model="crm.contact",
            include_deleted=include_deleted,
            limit=1000,
        )
        seen: list[dict[str, object]] = []
        after = None
        while True:
            rows = list_raw(
                store,
                tenant_id=tenant_id,
                connection_id=connection_id,
                model="crm.contact",
                modified_after=None,
                include_deleted=include_deleted,
                after=after,
                limit=7,
                remote_data=True,
            )
            page = orjson.loads(page_json(rows, None, remote_data=True))["results"]
            seen += page
            if len(rows) < 7:
                break
            after = last_position(rows[-1])
        assert [r["id"] for r in seen] == [row.id for row in expected]
        for got, row in zip(seen, expected, strict=True):
            assert got["remote_data"] == row.remote_data
            assert got["remote_was_deleted"] is row.remote_was_deleted
            assert {
                k: v for k, v in got.items() if k not in ("remote_data", "remote_was_deleted")
            } == {k: v for k, v in row.data.items() if k != "remote_was_deleted"}
        assert any(r["remote_was_deleted"] for r in seen) is include_deleted
    plain = list_raw(
        store,
        tenant_id=tenant_id,
        connection_id=None,
        model="crm.contact",
        modified_after=None,
        include_deleted=False,
        after=None,
        limit=3,
        remote_data=False,
    )
    assert all(
        "remote_data" not in r
        for r in orjson.loads(page_json(plain, None, remote_data=False))["results"]
    )
    later = list_raw(
        store,
        tenant_id=tenant_id,
        connection_id=None,
        model="crm.contact",
        modified_after=datetime.fromtimestamp(clock.time() - 2.5, UTC),
        include_deleted=False,
        after=None,
        limit=100,
        remote_data=False,
    )
    assert len(later) == 20  # the last two pages
