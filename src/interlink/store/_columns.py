"""Column types shared by the tables and the migrations: UTC datetimes and portable JSON.

SQLite has no timezone-aware datetime: SQLAlchemy stores the wall-clock fields
and returns naive values. `UTCDateTime` is the one place that normalises: a
value is converted to UTC before it is bound (a naive one is taken to be UTC
already) and every value read is UTC-aware, on either database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB

__all__ = ["JSONType", "SeqType", "UTCDateTime", "as_utc"]

# JSONB on PostgreSQL (indexable, compact); JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL wants 64 bits.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


def as_utc(value: datetime) -> datetime:
    """`value` as a UTC-aware datetime; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that always binds and returns UTC-aware values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            # Stored as text without an offset: bind the UTC wall clock.
            return as_utc(value).replace(tzinfo=None)
        return as_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)
