"""Database rows to the store's dataclasses, in one place."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Row

from interlink.store._tables import RUN_COUNTERS
from interlink.store._types import (
    AuditEntry,
    ChangeEvent,
    Checkpoint,
    ConnectionRow,
    DriftEntry,
    EncryptedCredential,
    RecordRow,
    RunStats,
    SyncRun,
    Tenant,
)

__all__ = [
    "etag_for",
    "to_audit",
    "to_checkpoint",
    "to_connection",
    "to_credential",
    "to_drift",
    "to_event",
    "to_record",
    "to_run",
    "to_tenant",
]


def etag_for(content_hash: str) -> str:
    """A short tag that changes whenever the content hash does, whatever its length."""
    return hashlib.blake2b(content_hash.encode(), digest_size=8).hexdigest()


def to_tenant(row: Row[Any]) -> Tenant:
    return Tenant(id=row.id, name=row.name, created_at=row.created_at, settings=row.settings)


def to_connection(row: Row[Any]) -> ConnectionRow:
    return ConnectionRow(
        id=row.id,
        tenant_id=row.tenant_id,
        provider=row.provider,
        auth_method=row.auth_method,
        variables=row.variables,
        settings=row.settings,
        status=row.status,
        created_at=row.created_at,
        name=row.name,
    )


def to_credential(row: Row[Any]) -> EncryptedCredential:
    return EncryptedCredential(
        connection_id=row.connection_id,
        key_id=row.key_id,
        blob=bytes(row.blob),
        updated_at=row.updated_at,
    )


def to_record(row: Row[Any]) -> RecordRow:
    return RecordRow(
        id=row.id,
        tenant_id=row.tenant_id,
        connection_id=row.connection_id,
        resource=row.resource,
        model=row.model,
        remote_id=row.remote_id,
        data=row.data,
        remote_data=row.remote_data,
        content_hash=row.content_hash,
        etag=row.etag,
        modified_at=row.modified_at,
        remote_was_deleted=bool(row.remote_was_deleted),
        first_seen_at=row.first_seen_at,
        updated_at=row.updated_at,
    )


def to_checkpoint(row: Row[Any]) -> Checkpoint:
    return Checkpoint(
        connection_id=row.connection_id,
        resource=row.resource,
        watermark=row.watermark,
        resume=row.resume,
        next_run_at=row.next_run_at,
        last_full_at=row.last_full_at,
        updated_at=row.updated_at,
        drift_profile=row.drift_profile,
    )


def to_run(row: Row[Any]) -> SyncRun:
    mapping = row._mapping
    return SyncRun(
        id=row.id,
        connection_id=row.connection_id,
        resource=row.resource,
        mode=row.mode,
        started_at=row.started_at,
        outcome=row.outcome,
        stats=RunStats(**{name: mapping[name] for name in RUN_COUNTERS}),
        finished_at=row.finished_at,
        error=row.error,
        next_attempt_at=row.next_attempt_at,
    )


def to_drift(row: Row[Any]) -> DriftEntry:
    return DriftEntry(
        connection_id=row.connection_id,
        resource=row.resource,
        kind=row.kind,
        field=row.field,
        detail=row.detail,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        count=row._mapping["count"],  # Row.count is the tuple method
    )


def to_event(row: Row[Any]) -> ChangeEvent:
    return ChangeEvent(
        seq=row.seq,
        tenant_id=row.tenant_id,
        connection_id=row.connection_id,
        resource=row.resource,
        model=row.model,
        record_id=row.record_id,
        remote_id=row.remote_id,
        kind=row.kind,
        occurred_at=row.occurred_at,
    )


def to_audit(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        at=row.at,
        tenant_id=row.tenant_id,
        actor=row.actor,
        action=row.action,
        target=row.target,
        outcome=row.outcome,
        detail=row.detail,
    )
