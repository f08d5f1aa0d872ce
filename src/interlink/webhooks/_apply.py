"""Applying one event to the store: in order, once, in one transaction with its inbox row.

An event is applied only when its version (the vendor's time, then its
sequence; the sequence alone when the event has no time) is newer than the
newest version already applied to that record; otherwise it is kept as
`stale`. The record, its change event, the new
version and the inbox status commit together, so a crash either applied the
event completely or leaves it pending for the next claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Connection, select

from interlink.store._apply import Target, apply_records
from interlink.store._tables import records
from interlink.store._types import ChangeKind, PreparedRecord
from interlink.store._upsert import upsert
from interlink.webhooks._config import EventInfo
from interlink.webhooks._inbox import APPLIED, STALE, Inbox, InboxEvent
from interlink.webhooks._tables import versions

__all__ = ["Outcome", "apply_event", "is_newer", "is_stale"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one event ended: applied (with the change it made, if any) or stale."""

    status: Literal["applied", "stale"]
    kind: ChangeKind | None = None


# `webhook_versions.occurred_at` is NOT NULL: a version known by its sequence alone is
# stored at this instant, read back as "no time".
NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)


def _version_key(at: datetime, sequence: int | None) -> tuple[datetime, int]:
    return at, -1 if sequence is None else sequence


def is_newer(at: datetime | None, sequence: int | None,
             applied_at: datetime | None, applied_sequence: int | None) -> bool:  # fmt: skip
    """Whether an event's version (`at`, `sequence`) is newer than the applied one, comparing
    what both have: the times (the sequence breaking a tie), else the sequences alone.
    Versions with nothing in common cannot be ordered: the event is applied."""
    if at is not None and applied_at is not None:
        event, applied = _version_key(at, sequence), _version_key(applied_at, applied_sequence)
        if event != applied:
            return event > applied
        # The same time: with a sequence it is the same version again; without one, two
        # changes in one clock tick (Stripe's seconds) can only be ordered by arrival.
        return sequence is None
    if sequence is not None and applied_sequence is not None:
        return sequence > applied_sequence
    return True


def is_stale(conn: Connection, connection_id: str, resource: str, info: EventInfo) -> bool:
    """True when a version at least as new as the event's was already applied to the record."""
    if info.remote_id is None or (info.occurred_at is None and info.sequence is None):
        return False  # no version to compare: the event is applied (a fetch is always current)
    row = conn.execute(
        select(versions.c.occurred_at, versions.c.sequence).where(
            versions.c.connection_id == connection_id,
            versions.c.resource == resource,
            versions.c.remote_id == info.remote_id,
        )
    ).first()
    if row is None:
        return False
    applied_at = None if row[0] == NO_TIME else row[0]
    return not is_newer(info.occurred_at, info.sequence, applied_at, row[1])


def _older_than_stored(conn: Connection, connection_id: str, resource: str,
                       record: PreparedRecord) -> bool:  # fmt: skip
    """An event's record older than what a sync already stored must not overwrite it."""
    if record.modified_at is None or record.deleted:
        return False
    stored = conn.execute(
        select(records.c.modified_at).where(
            records.c.connection_id == connection_id,
            records.c.resource == resource,
            records.c.remote_id == record.remote_id,
        )
    ).scalar()
    return stored is not None and record.modified_at < stored


def apply_event(
    inbox: Inbox,
    event: InboxEvent,
    target: Target,
    info: EventInfo,
    record: PreparedRecord,
    *,
    trust_order: bool,
) -> Outcome:
    """Write `record` for `event` unless a newer version is already applied.

    `trust_order` is False for a record carried in the event (it may be older
    than what a sync stored); a record fetched just now is current by definition.
    """
    now = inbox.now()
    with inbox.write("applying a webhook event") as conn:
        if is_stale(conn, target.connection_id, target.resource, info) or (
            not trust_order
            and _older_than_stored(conn, target.connection_id, target.resource, record)
        ):
            inbox.finish(conn, event.id, STALE, "a newer version of the record was already applied")
            return Outcome("stale")
        _, changes = apply_records(conn, target, [record], now)
        kind = changes.get(record.remote_id, ("", None))[1]
        if info.occurred_at is not None or info.sequence is not None:
            upsert(
                conn,
                versions,
                {
                    "connection_id": target.connection_id,
                    "resource": target.resource,
                    "remote_id": record.remote_id,
                    "occurred_at": info.occurred_at or NO_TIME,
                    "sequence": info.sequence,
                    "event_id": event.key,
                    "updated_at": now,
                },
                keys=("connection_id", "resource", "remote_id"),
            )
        inbox.finish(conn, event.id, APPLIED, kind)
    return Outcome("applied", kind)
