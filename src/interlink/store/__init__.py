"""The durable store: tenants, connections, sealed credentials, records, sync state,
runs, drift, change events and the audit log, on SQLite (default) or PostgreSQL.

    from interlink.store import open_store

    store = open_store("sqlite:///interlink.db")   # or "postgresql://127.0.0.1:5432/app"
    tenant = store.create_tenant("Acme")
    store.close()

`Store` is synchronous SQLAlchemy Core, one transaction per method, safe to
share between threads; async code wraps it in `AsyncStore`. Schema changes
are Alembic migrations shipped in the package and applied by `Store.migrate()`
(`open_store` migrates by default). Layers above read and write only the
dataclasses re-exported here, never tables.

Beyond the shared contract: `open_store(..., clock=)` takes the injectable
clock every timestamp is read from; `apply_page(..., touch_unchanged=True)` is
full-reconciliation mode; `upsert_record` raises StoreError for a deletion of a
record never stored (rather than returning no row); `list_records`'
`modified_after` filters on `updated_at`, the order its pages walk in;
`mark_missing_deleted` also adds its count to the run's `deleted` counter
(the engine's next stats write replaces the counters, so it should include
it); `due_checkpoints` skips disabled connections; `Store(url)` builds a store
without connecting; `store.revision()` / `Store.head_revision()` report the
migration. Change events are numbered in commit order on both databases.
`Checkpoint.drift_profile` keeps the drift detector's baseline between runs;
`PreparedRecord.data_json` / `remote_json` carry text already serialised
(SQLite stores it as is); `replace_credentials(..., expected_blobs=)` makes its
compare-and-swap cover the blob read, not only the key id.
"""

from __future__ import annotations

from interlink._errors import StoreError
from interlink.store._async import AsyncStore
from interlink.store._engine import DEFAULT_URL
from interlink.store._store import Store, open_store
from interlink.store._types import (
    AuditEntry,
    ChangeEvent,
    ChangeKind,
    Checkpoint,
    ConnectionRow,
    DriftEntry,
    EncryptedCredential,
    PageResult,
    PreparedRecord,
    RecordRow,
    RunOutcome,
    RunStats,
    SyncRun,
    Tenant,
)

__all__ = [
    "DEFAULT_URL",
    "AsyncStore",
    "AuditEntry",
    "ChangeEvent",
    "ChangeKind",
    "Checkpoint",
    "ConnectionRow",
    "DriftEntry",
    "EncryptedCredential",
    "PageResult",
    "PreparedRecord",
    "RecordRow",
    "RunOutcome",
    "RunStats",
    "Store",
    "StoreError",
    "SyncRun",
    "Tenant",
    "open_store",
]
