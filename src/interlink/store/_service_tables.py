"""The tables of the webhook intake (issue 6), outbound webhooks and the unified API (issue 7).

Created by the first migrations (0001 prepared them; 0002 and 0003, written
with the webhook work, added to them); declared here so that the store's one
MetaData stays exactly what the migrations create.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from interlink.store._columns import JSONType, UTCDateTime
from interlink.store._metadata import CASCADE, ID, connection_fk, metadata, tenant_fk

__all__ = [
    "api_keys",
    "dead_letters",
    "idempotency_keys",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_inbox",
    "webhook_subscriptions",
    "webhook_versions",
]

webhook_inbox = Table(
    "webhook_inbox",
    metadata,
    Column("id", String(ID), primary_key=True),
    tenant_fk(nullable=True),
    Column(
        "connection_id",
        String(ID),
        ForeignKey("connections.id", ondelete=CASCADE),
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
    connection_fk(),
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
    tenant_fk(nullable=True),
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
    Column("tenant_id", String(ID), ForeignKey("tenants.id", ondelete=CASCADE), nullable=False),
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
    tenant_fk(),
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

# Migration 0003: outbound webhooks. A subscription's secret is sealed by the vault.
webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(ID), primary_key=True),
    tenant_fk(),
    Column("url", Text, nullable=False),
    Column("secret", LargeBinary, nullable=False),
    Column("models", JSONType, nullable=False),
    Column("status", String(20), nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("paused_until", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "tenant_id"),
)

# One delivery per (subscription, change event): fanning out twice never sends twice.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column(
        "subscription_id",
        String(ID),
        ForeignKey("webhook_subscriptions.id", ondelete=CASCADE),
        nullable=False,
    ),
    Column("seq", BigInteger, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("record_id", String(ID), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    UniqueConstraint("subscription_id", "seq"),
    Index(None, "status", "next_attempt_at"),
    Index(None, "subscription_id", "record_id", "seq"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column(
        "delivery_id",
        String(ID),
        ForeignKey("webhook_deliveries.id", ondelete=CASCADE),
        nullable=False,
    ),
    Column("attempt", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("status", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Integer, nullable=False),
    PrimaryKeyConstraint("delivery_id", "attempt"),
)
