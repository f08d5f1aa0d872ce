"""The outbound tables (store migration 0003): subscriptions, deliveries and their attempts.

Declared here in their own MetaData until the store's MetaData mirrors 0003;
the migration is the source of truth and creates exactly these.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, MetaData, String, Table, Text

from interlink.store._columns import JSONType, UTCDateTime

__all__ = ["attempts", "deliveries", "subscriptions"]

_meta = MetaData()

subscriptions = Table(
    "webhook_subscriptions",
    _meta,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", LargeBinary, nullable=False),  # sealed by the vault
    Column("models", JSONType, nullable=False),
    Column("status", String(20), nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("paused_until", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

deliveries = Table(
    "webhook_deliveries",
    _meta,
    Column("id", String(64), primary_key=True),
    Column("subscription_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
)

attempts = Table(
    "webhook_attempts",
    _meta,
    Column("delivery_id", String(64), primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("status", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Integer, nullable=False),
)
