"""What happened: schema drift per resource, change events in commit order, the audit log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from interlink.store._base import StoreBase
from interlink.store._rows import to_audit, to_drift, to_event
from interlink.store._tables import audit_log, change_events, drift
from interlink.store._types import AuditEntry, ChangeEvent, DriftEntry
from interlink.store._upsert import upsert

__all__ = ["JournalMixin"]


class JournalMixin(StoreBase):
    """Drift findings, change events and the audit log."""

    def record_drift(
        self,
        connection_id: str,
        resource: str,
        findings: Sequence[tuple[str, str, str]],
        at: datetime,
    ) -> None:
        """Count each (kind, field, detail) finding: first seen once, then count += 1."""
        if not findings:
            return
        with self._write(f"record drift of {connection_id}/{resource}") as conn:
            for kind, field_name, detail in findings:
                upsert(
                    conn,
                    drift,
                    {
                        "connection_id": connection_id,
                        "resource": resource,
                        "kind": kind,
                        "field": field_name,
                        "detail": detail,
                        "first_seen": at,
                        "last_seen": at,
                        "count": 1,
                    },
                    keys=("connection_id", "resource", "kind", "field"),
                    set_={
                        "first_seen": drift.c.first_seen,
                        "count": drift.c["count"] + 1,
                    },
                )

    def list_drift(self, connection_id: str, resource: str | None = None) -> list[DriftEntry]:
        """A connection's drift findings, by resource, kind and field."""
        query = select(drift).where(drift.c.connection_id == connection_id)
        if resource is not None:
            query = query.where(drift.c.resource == resource)
        query = query.order_by(drift.c.resource, drift.c.kind, drift.c.field)
        with self._read("list drift") as conn:
            return [to_drift(row) for row in conn.execute(query)]

    def change_events(
        self,
        *,
        after_seq: int = 0,
        tenant_id: str | None = None,
        connection_id: str | None = None,
        limit: int = 1000,
    ) -> list[ChangeEvent]:
        """Change events with `seq > after_seq`, oldest first.

        `seq` order is commit order on both databases, so a reader that keeps the
        last seq it processed and asks for what comes after never skips an event.
        """
        query = select(change_events).where(change_events.c.seq > after_seq)
        if tenant_id is not None:
            query = query.where(change_events.c.tenant_id == tenant_id)
        if connection_id is not None:
            query = query.where(change_events.c.connection_id == connection_id)
        query = query.order_by(change_events.c.seq).limit(limit)
        with self._read("list change events") as conn:
            return [to_event(row) for row in conn.execute(query)]

    def audit(
        self,
        actor: str,
        action: str,
        target: str,
        outcome: str,
        *,
        tenant_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Append to the audit log. `detail` must never hold a secret."""
        row = {
            "at": self._now(),
            "tenant_id": tenant_id,
            "actor": actor,
            "action": action,
            "target": target,
            "outcome": outcome,
            "detail": dict(detail or {}),
        }
        with self._write("write audit log") as conn:
            conn.execute(insert(audit_log), row)

    def list_audit(self, *, tenant_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The newest audit entries first, optionally of one tenant."""
        query = select(audit_log)
        if tenant_id is not None:
            query = query.where(audit_log.c.tenant_id == tenant_id)
        query = query.order_by(audit_log.c.seq.desc()).limit(limit)
        with self._read("read audit log") as conn:
            return [to_audit(row) for row in conn.execute(query)]
