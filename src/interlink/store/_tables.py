"""Every durable table, in one MetaData: the migrations must create exactly these.

A test compares this MetaData with a freshly migrated database (Alembic's
autogenerate diff must be empty), on SQLite and PostgreSQL. Rows belonging to a
connection cascade with it; the audit log outlives what it describes. The
tables of the webhook intake, outbound webhooks and the unified API live in
`_service_tables` and are re-exported here, so every table is importable from
one module.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from interlink.store._columns import JSONType, SeqType, UTCDateTime
from interlink.store._metadata import ID, connection_fk, metadata, tenant_fk
from interlink.store._service_tables import (
    api_keys,
    dead_letters,
    idempotency_keys,
    webhook_attempts,
    webhook_deliveries,
    webhook_inbox,
    webhook_subscriptions,
    webhook_versions,
)

__all__ = [
    "RUN_COUNTERS",
    "api_keys",
    "audit_log",
    "change_events",
    "connections",
    "credentials",
    "dead_letters",
    "drift",
    "idempotency_keys",
    "metadata",
    "records",
    "sync_runs",
    "sync_state",
    "tenants",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_inbox",
    "webhook_subscriptions",
    "webhook_versions",
]

tenants = Table(
    "tenants",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("settings", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

connections = Table(
    "connections",
    metadata,
    Column("id", String(ID), primary_key=True),
    tenant_fk(),
    Column("provider", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("auth_method", String(100), nullable=False),
    Column("variables", JSONType, nullable=False),
    Column("settings", JSONType, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "tenant_id", "provider"),
)

credentials = Table(
    "credentials",
    metadata,
    connection_fk(primary_key=True),
    Column("key_id", String(100), nullable=False),
    Column("blob", LargeBinary, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("id", String(ID), primary_key=True),
    tenant_fk(),
    connection_fk(),
    Column("resource", String(100), nullable=False),
    Column("model", String(100), nullable=False),
    Column("remote_id", String(255), nullable=False),
    Column("data", JSONType, nullable=False),
    Column("remote_data", JSONType, nullable=True),
    Column("content_hash", String(128), nullable=False),
    Column("etag", String(32), nullable=False),
    Column("modified_at", UTCDateTime, nullable=True),
    Column("remote_was_deleted", Boolean, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    UniqueConstraint("connection_id", "resource", "remote_id"),
    # The unified API lists a tenant's records of one model by (updated_at, id).
    Index(None, "tenant_id", "model", "updated_at", "id"),
    # Full reconciliation finds what a run did not see.
    Index(None, "connection_id", "resource", "last_seen_at"),
)

sync_state = Table(
    "sync_state",
    metadata,
    connection_fk(),
    Column("resource", String(100), nullable=False),
    Column("watermark", UTCDateTime, nullable=True),
    Column("resume", JSONType, nullable=True),
    Column("next_run_at", UTCDateTime, nullable=True),
    Column("last_full_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("drift_profile", JSONType, nullable=True),
    PrimaryKeyConstraint("connection_id", "resource"),
    Index(None, "next_run_at"),
)

# RunStats' fields, one integer column each, so runs can be summed and filtered in SQL.
RUN_COUNTERS = (
    "seen",
    "created",
    "updated",
    "unchanged",
    "deleted",
    "requests",
    "retries",
    "absorbed_429s",
    "mapping_errors",
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", String(ID), primary_key=True),
    connection_fk(),
    Column("resource", String(100), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("error", Text, nullable=True),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    *(Column(name, Integer, nullable=False, server_default="0") for name in RUN_COUNTERS),
    Index(None, "connection_id", "resource", "outcome"),
    Index(None, "started_at"),
)

drift = Table(
    "drift",
    metadata,
    connection_fk(),
    Column("resource", String(100), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("field", String(255), nullable=False),
    Column("detail", Text, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("connection_id", "resource", "kind", "field"),
)

change_events = Table(
    "change_events",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    tenant_fk(),
    connection_fk(),
    Column("resource", String(100), nullable=False),
    Column("model", String(100), nullable=False),
    Column("record_id", String(ID), nullable=False),
    Column("remote_id", String(255), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Index(None, "tenant_id", "seq"),
    Index(None, "connection_id", "seq"),
)

# No foreign keys: the audit log outlives the tenants and connections it names.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("tenant_id", String(ID), nullable=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("target", String(255), nullable=False),
    Column("outcome", String(50), nullable=False),
    Column("detail", JSONType, nullable=False),
    Index(None, "tenant_id", "seq"),
)
