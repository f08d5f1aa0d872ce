"""What every unified record carries: identity, provenance, times, raw payload, custom fields."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["RECORD_NAMESPACE", "Part", "UnifiedRecord", "UtcDatetime", "record_id"]

RECORD_NAMESPACE = uuid.UUID("5b1c9f4e-2d7a-5e43-9c3e-7a1f0d6b8e21")
"""The uuid5 namespace of Interlink record ids. Never change it: every id derives from it."""


def record_id(connection_id: str, model: str, remote_id: str) -> str:
    """The stable Interlink id of a record: uuid5 of `connection_id/model/remote_id`.

    Deterministic, so the same vendor record gets the same id on every sync,
    in every process, without a lookup table; scoped by connection and model,
    so two customers' (or two resources') equal vendor ids never collide.
    """
    return str(uuid.uuid5(RECORD_NAMESPACE, f"{connection_id}/{model}/{remote_id}"))


def _to_utc(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime, normalised to UTC; naive datetimes are refused."""


class Part(BaseModel):
    """A value object inside a record (an email address, a line item): strict, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class UnifiedRecord(BaseModel):
    """The fields every unified record has, whatever its model."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    model_name: ClassVar[str] = ""
    model_version: ClassVar[str] = ""

    id: str
    """Interlink's stable id: uuid5 of (connection_id, model, remote_id), see `record_id`."""
    remote_id: str
    """The vendor's id of this record, as a string."""
    provider: str
    """The provider the record came from (`hubspot`)."""
    connection_id: str
    """The connection the record was read through."""
    created_at: UtcDatetime | None = None
    """When the vendor created the record (UTC), where the vendor says."""
    modified_at: UtcDatetime | None = None
    """When the vendor last changed the record (UTC), where the vendor says."""
    remote_was_deleted: bool = False
    """True once the vendor reports the record deleted (archived, trashed)."""
    remote_data: dict[str, Any] | None = None
    """The vendor's payload exactly as received."""
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    """Declared vendor fields the model has no place for, by vendor field name."""
