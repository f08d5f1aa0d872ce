"""A migrated store on each backend: every store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interlink._clock import FakeClock
from interlink.store import (
    Checkpoint,
    ConnectionRow,
    PageResult,
    PreparedRecord,
    RunStats,
    Store,
    SyncRun,
    Tenant,
    open_store,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str | None]:
    """(URL, schema): a SQLite file under tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}", None
    url: str = request.getfixturevalue("postgres_url")
    schema: str = request.getfixturevalue("postgres_schema")
    return url, schema


@pytest.fixture
def store(store_url: tuple[str, str | None], clock: FakeClock) -> Iterator[Store]:
    """A migrated store whose timestamps come from the fake clock."""
    url, schema = store_url
    opened = open_store(url, schema=schema, clock=clock)
    yield opened
    opened.close()


@dataclass(frozen=True)
class Seeded:
    """One tenant with one connection, and a running sync run of its contacts."""

    tenant: Tenant
    connection: ConnectionRow
    run: SyncRun

    def page(
        self,
        store: Store,
        records: list[PreparedRecord],
        *,
        resource: str = "contacts",
        checkpoint: Checkpoint | None = None,
        stats: RunStats | None = None,
        touch_unchanged: bool = False,
    ) -> PageResult:
        """Apply one page of contacts with a default checkpoint and stats."""
        return store.apply_page(
            tenant_id=self.tenant.id,
            connection_id=self.connection.id,
            resource=resource,
            model="crm.contact",
            records=records,
            checkpoint=checkpoint or Checkpoint(self.connection.id, resource),
            run_id=self.run.id,
            stats=stats or RunStats(seen=len(records)),
            touch_unchanged=touch_unchanged,
        )


@pytest.fixture
def seeded(store: Store) -> Seeded:
    """A tenant, a HubSpot connection and a running incremental run of `contacts`."""
    tenant = store.create_tenant("Acme", tenant_id="ten_acme")
    connection = store.create_connection(
        tenant.id, "hubspot", auth_method="private_app", variables={}, connection_id="conn_hs"
    )
    run = store.start_run(connection.id, "contacts", "incremental")
    return Seeded(tenant, connection, run)


MODIFIED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def record(
    remote_id: str, *, version: int = 1, deleted: bool = False, record_id: str | None = None
) -> PreparedRecord:
    """A contact whose content (and hash) change with `version`."""
    return PreparedRecord(
        id=record_id or f"rec_{remote_id}",
        remote_id=remote_id,
        data={"first_name": f"Ada {remote_id}", "version": version},
        remote_data={"id": remote_id, "properties": {"v": version}},
        content_hash=f"hash-{remote_id}-{version}",
        modified_at=MODIFIED,
        deleted=deleted,
    )
