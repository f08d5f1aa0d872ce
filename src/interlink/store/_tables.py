"""Every durable table, in one MetaData: the migrations must create exactly these.

A test compares this MetaData with a freshly migrated database (Alembic's
autogenerate diff must be empty), on SQLite and PostgreSQL. Rows belonging to a
connection cascade with it; the audit log outlives what it describes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from interlink.store._columns import JSONType, SeqType, UTCDateTime

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
    "webhook_inbox",
    "webhook_versions",
]

# Constraint names are deterministic so that later migrations can alter them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 64  # prefixed ids ("conn_...") and vendor remote ids fit comfortably
_CASCADE = "CASCADE"


def _tenant_fk(nullable: bool = False) -> Column[str]:
    return Column(
        "tenant_id",
        String(ID),
        ForeignKey("tenants.id", ondelete=_CASCADE),
        nullable=nullable,
    )


def _connection_fk(primary_key: bool = False) -> Column[str]:
    return Column(
        "connection_id",
        String(ID),
        ForeignKey("connections.id", ondelete=_CASCADE),
        nullable=False,
        primary_key=primary_key,
    )


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
    _tenant_fk(),
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
    _connection_fk(primary_key=True),
    Column("key_id", String(100), nullable=False),
    Column("blob", LargeBinary, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(),
    _connection_fk(),
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
    _connection_fk(),
    Column("resource", String(100), nullable=False),
    Column("watermark", UTCDateTime, nullable=True),
    Column("resume", JSONType, nullable=True),
    Column("next_run_at", UTCDateTime, nullable=True),
    Column("last_full_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
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
    _connection_fk(),
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
    _connection_fk(),
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
    _tenant_fk(),
    _connection_fk(),
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

# --- Prepared for the webhook intake and the unified API (issues 6 and 7). ---

webhook_inbox = Table(
    "webhook_inbox",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(nullable=True),
    Column(
        "connection_id",
        String(ID),
        ForeignKey("connections.id", ondelete=_CASCADE),
        nullable=True,
    ),
    Column("provider", String(100), nullable=False),
    Column("event_id", String(255), nullable=True),
    Column("headers", JSONType, nullable=False),
    Column("payload", JSONType, nullable=True),
    Column("body", LargeBinary, nullable=True),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("processed_at", UTCDateTime, nullable=True),
    # Migration 0002: when a pending event may next be tried (a retry's backoff, a claim's lease).
    Column("next_attempt_at", UTCDateTime, nullable=True),
    # A vendor's redelivery of one event is recognised by its own id.
    UniqueConstraint("provider", "event_id"),
    Index(None, "status", "received_at"),
    Index(None, "status", "next_attempt_at"),
)

# Migration 0002: per record, the vendor time (and sequence) of the newest webhook event
# applied, so an older event arriving later does not overwrite a newer state.
webhook_versions = Table(
    "webhook_versions",
    metadata,
    _connection_fk(),
    Column("resource", String(100), nullable=False),
    Column("remote_id", String(255), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("sequence", BigInteger, nullable=True),
    Column("event_id", String(255), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("connection_id", "resource", "remote_id"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(nullable=True),
    Column("connection_id", String(ID), nullable=True),
    Column("source", String(50), nullable=False),
    Column("payload", JSONType, nullable=False),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("status", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "status", "created_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", String(ID), ForeignKey("tenants.id", ondelete=_CASCADE), nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(128), nullable=False),
    Column("status", String(20), nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response", JSONType, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "key"),
    Index(None, "expires_at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(),
    Column("name", String(200), nullable=False),
    Column("prefix", String(32), nullable=False),
    Column("key_hash", String(128), nullable=False),
    Column("scopes", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    UniqueConstraint("key_hash"),
    Index(None, "prefix"),
)
