"""The webhook rows as this package reads them: the store's inbox with migration 0002's column.

The store owns the tables and their migrations; this is a view of the
columns the intake and the processor use (0001's `webhook_inbox` plus 0002's
`next_attempt_at`, and 0002's `webhook_versions`), kept in its own MetaData so
nothing here alters the store's. `dead_letters` is the store's table as is.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, MetaData, String, Table, Text

from interlink.store._columns import JSONType, UTCDateTime
from interlink.store._tables import dead_letters

__all__ = ["dead_letters", "inbox", "versions"]

_meta = MetaData()

inbox = Table(
    "webhook_inbox",
    _meta,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=True),
    Column("connection_id", String(64), nullable=True),
    Column("provider", String(100), nullable=False),
    # The de-duplication key: "{connection_id}:{vendor event id}" (or ":sha256:<hex>").
    Column("event_id", String(255), nullable=True),
    Column("headers", JSONType, nullable=False),
    Column("payload", JSONType, nullable=True),
    Column("body", LargeBinary, nullable=True),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("processed_at", UTCDateTime, nullable=True),
    Column("next_attempt_at", UTCDateTime, nullable=True),
)

versions = Table(
    "webhook_versions",
    _meta,
    Column("connection_id", String(64), primary_key=True),
    Column("resource", String(100), primary_key=True),
    Column("remote_id", String(255), primary_key=True),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("sequence", BigInteger, nullable=True),
    Column("event_id", String(255), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
