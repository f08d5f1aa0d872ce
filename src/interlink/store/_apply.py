"""The hot path: one page of records into the store, inside the caller's transaction.

Per page: one SELECT per 500 remote ids for what is stored (id, hash, deleted
flag), then one executemany each for inserts, content updates, deletions,
`last_seen_at` touches and change events. Unchanged records (same content
hash) are not written and emit no event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, text, update

from interlink.store._bulk import RawJSON, executemany
from interlink.store._rows import etag_for
from interlink.store._tables import change_events, records
from interlink.store._types import ChangeKind, PageResult, PreparedRecord

__all__ = ["CHUNK", "LOCK_SQL", "Target", "apply_records", "lock_event_order"]

CHUNK = 500  # remote ids per IN list: well under every driver's parameter limit

_existing = select(
    records.c.id, records.c.remote_id, records.c.content_hash, records.c.remote_was_deleted
).where(
    records.c.connection_id == bindparam("cid"),
    records.c.resource == bindparam("res"),
    records.c.remote_id.in_(bindparam("rids", expanding=True)),
)
_update_content = update(records).where(records.c.id == bindparam("rid"))
_mark_deleted = (
    update(records)
    .where(records.c.id == bindparam("rid"))
    .values(remote_was_deleted=True, updated_at=bindparam("now"))
)
_touch = update(records).where(records.c.id == bindparam("rid"))
_insert_record = insert(records)
_insert_event = insert(change_events)


# PostgreSQL advisory lock (key space, then the search_path: one lock per store, not one
# per server) held by every transaction that writes change events.
EVENTS_LOCK = 0x1A7E_0002
LOCK_SQL = "SELECT pg_advisory_xact_lock(:space, hashtext(current_setting('search_path')))"


def lock_event_order(conn: Connection) -> None:
    """Make `seq` order commit order, so a reader resuming after the last seq it saw
    never skips an event committed late.

    A PostgreSQL sequence hands out numbers at insert time: a transaction that
    took seq 10 may commit after another took 11 and a reader already moved
    past 11. Holding one advisory lock from the first event insert to commit
    closes that gap; SQLite has one writer and needs nothing.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text(LOCK_SQL), {"space": EVENTS_LOCK})


@dataclass(frozen=True, slots=True)
class Target:
    """Where a page goes: the tenant, connection, resource and unified model."""

    tenant_id: str
    connection_id: str
    resource: str
    model: str


@dataclass(slots=True)
class _Plan:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[dict[str, Any]] = field(default_factory=list)
    touches: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # (record id, kind) per remote id written, in page order.
    outcome: dict[str, tuple[str, ChangeKind | None]] = field(default_factory=dict)
    unchanged: int = 0


def _stored(
    conn: Connection, target: Target, remote_ids: list[str]
) -> dict[str, tuple[str, str, bool]]:
    found: dict[str, tuple[str, str, bool]] = {}
    for start in range(0, len(remote_ids), CHUNK):
        params = {
            "cid": target.connection_id,
            "res": target.resource,
            "rids": remote_ids[start : start + CHUNK],
        }
        for rid, remote_id, content_hash, deleted in conn.execute(_existing, params):
            found[remote_id] = (rid, content_hash, bool(deleted))
    return found


def _documents(record: PreparedRecord, raw: bool) -> tuple[Any, Any]:
    """`data` and `remote_data` to bind: the text already hashed when the driver takes it."""
    if raw and record.data_json is not None and record.remote_json is not None:
        return RawJSON(record.data_json), RawJSON(record.remote_json)
    return record.data, record.remote_data


def _plan(
    target: Target,
    page: dict[str, PreparedRecord],
    stored: dict[str, tuple[str, str, bool]],
    now: datetime,
    touch_unchanged: bool,
    raw: bool,
) -> _Plan:
    plan = _Plan()
    for remote_id, record in page.items():
        known = stored.get(remote_id)
        kind: ChangeKind | None
        if known is None:
            if record.deleted:
                continue  # a deletion of something never stored changes nothing
            record_id, kind = record.id, "created"
            data, remote_data = _documents(record, raw)
            plan.inserts.append(
                {
                    "id": record_id,
                    "tenant_id": target.tenant_id,
                    "connection_id": target.connection_id,
                    "resource": target.resource,
                    "model": target.model,
                    "remote_id": remote_id,
                    "data": data,
                    "remote_data": remote_data,
                    "content_hash": record.content_hash,
                    "etag": etag_for(record.content_hash),
                    "modified_at": record.modified_at,
                    "remote_was_deleted": False,
                    "first_seen_at": now,
                    "updated_at": now,
                    "last_seen_at": now,
                }
            )
        else:
            record_id, stored_hash, was_deleted = known
            if record.deleted:
                kind = None if was_deleted else "deleted"
                if kind:
                    plan.deletes.append({"rid": record_id, "now": now})
            elif stored_hash == record.content_hash and not was_deleted:
                kind = None
                if touch_unchanged:
                    plan.touches.append({"rid": record_id, "last_seen_at": now})
            else:
                # Changed, or back after a deletion: either way its content is current again.
                kind = "updated"
                data, remote_data = _documents(record, raw)
                plan.updates.append(
                    {
                        "rid": record_id,
                        "data": data,
                        "remote_data": remote_data,
                        "content_hash": record.content_hash,
                        "etag": etag_for(record.content_hash),
                        "modified_at": record.modified_at,
                        "remote_was_deleted": False,
                        "updated_at": now,
                        "last_seen_at": now,
                    }
                )
        plan.outcome[remote_id] = (record_id, kind)
        if kind is None:
            plan.unchanged += 1
        else:
            plan.events.append(
                {
                    "tenant_id": target.tenant_id,
                    "connection_id": target.connection_id,
                    "resource": target.resource,
                    "model": target.model,
                    "record_id": record_id,
                    "remote_id": remote_id,
                    "kind": kind,
                    "occurred_at": now,
                }
            )
    return plan


def apply_records(
    conn: Connection,
    target: Target,
    page: Sequence[PreparedRecord],
    now: datetime,
    *,
    touch_unchanged: bool = False,
) -> tuple[PageResult, dict[str, tuple[str, ChangeKind | None]]]:
    """Upsert `page` inside `conn`'s transaction; returns the counts and, per remote id,
    the record id and the change it made (None: unchanged or ignored)."""
    # A remote id twice in one page (a vendor's shifting offsets): the last copy wins.
    by_remote = {record.remote_id: record for record in page}
    stored = _stored(conn, target, list(by_remote))
    raw = conn.dialect.name == "sqlite"  # _bulk's executemany binds RawJSON there only
    plan = _plan(target, by_remote, stored, now, touch_unchanged, raw)
    executemany(conn, _insert_record, plan.inserts)
    executemany(conn, _update_content, plan.updates)
    executemany(conn, _mark_deleted, plan.deletes)
    executemany(conn, _touch, plan.touches)
    if plan.events:
        lock_event_order(conn)
        executemany(conn, _insert_event, plan.events)
    result = PageResult(
        created=len(plan.inserts),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        deleted=len(plan.deletes),
    )
    return result, plan.outcome
