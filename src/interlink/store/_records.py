"""Stored unified records: pages from a sync, single write-through results, and reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from interlink._errors import StoreError
from interlink.store._apply import Target, apply_records, lock_event_order
from interlink.store._base import StoreBase
from interlink.store._bulk import execute
from interlink.store._rows import to_record
from interlink.store._runs import write_checkpoint
from interlink.store._tables import RUN_COUNTERS, change_events, connections, records, sync_runs
from interlink.store._types import (
    ChangeKind,
    Checkpoint,
    PageResult,
    PreparedRecord,
    RecordRow,
    RunStats,
)

__all__ = ["RecordsMixin"]

# Built once: statements run with every page.
_owner = select(connections.c.tenant_id).where(connections.c.id == bindparam("cid"))
_set_stats = update(sync_runs).where(sync_runs.c.id == bindparam("run_id"))


class RecordsMixin(StoreBase):
    """Records: the sync engine's pages, the API's writes and reads."""

    def _check_target(self, conn: Connection, target: Target) -> None:
        owner = execute(conn, _owner, {"cid": target.connection_id}).scalar()
        if owner is None:
            raise StoreError(f"no connection {target.connection_id!r}")
        if owner != target.tenant_id:
            raise StoreError(
                f"connection {target.connection_id!r} does not belong to tenant "
                f"{target.tenant_id!r}"
            )

    def apply_page(
        self,
        *,
        tenant_id: str,
        connection_id: str,
        resource: str,
        model: str,
        records: Sequence[PreparedRecord],
        checkpoint: Checkpoint,
        run_id: str,
        stats: RunStats,
        touch_unchanged: bool = False,
    ) -> PageResult:
        """Commit one page, its checkpoint and its run's counters in ONE transaction.

        Unchanged records (same content hash) are not written and emit no
        event; with `touch_unchanged` (full reconciliation) their
        `last_seen_at` is refreshed so `mark_missing_deleted` spares them.
        The run's counters become `stats` (cumulative, as the engine keeps them).
        """
        if (checkpoint.connection_id, checkpoint.resource) != (connection_id, resource):
            raise StoreError(
                f"apply_page for {connection_id}/{resource} was given the checkpoint of "
                f"{checkpoint.connection_id}/{checkpoint.resource}"
            )
        target = Target(tenant_id, connection_id, resource, model)
        now = self._now()
        with self._write(f"apply a page of {connection_id}/{resource}") as conn:
            self._check_target(conn, target)
            result, _ = apply_records(conn, target, records, now, touch_unchanged=touch_unchanged)
            write_checkpoint(conn, checkpoint, now)
            counters = {name: getattr(stats, name) for name in RUN_COUNTERS}
            written = execute(conn, _set_stats, {"run_id": run_id, **counters}).rowcount
            if not written:
                raise StoreError(f"apply_page: no sync run {run_id!r} (start_run first)")
        return result

    def upsert_record(
        self,
        *,
        tenant_id: str,
        connection_id: str,
        resource: str,
        model: str,
        record: PreparedRecord,
    ) -> tuple[RecordRow, ChangeKind | None]:
        """Write one record (an API create/update read back from the vendor) with the
        same rules as `apply_page`, without a checkpoint. Returns the stored row and
        the change made (None: unchanged). Deleting a record never stored is an error."""
        target = Target(tenant_id, connection_id, resource, model)
        with self._write(f"write record {connection_id}/{resource}/{record.remote_id}") as conn:
            self._check_target(conn, target)
            _, outcome = apply_records(conn, target, [record], self._now())
            if record.remote_id not in outcome:
                raise StoreError(
                    f"cannot delete record {record.remote_id!r} of {connection_id}/{resource}: "
                    "it was never stored"
                )
            record_id, kind = outcome[record.remote_id]
            row = conn.execute(select(records).where(records.c.id == record_id)).one()
        return to_record(row), kind

    def mark_missing_deleted(
        self, *, connection_id: str, resource: str, seen_since: datetime, run_id: str
    ) -> int:
        """Full reconciliation: mark every live record of (connection, resource) not seen
        since `seen_since` as deleted, with a `deleted` event each. The count is also
        added to the run's `deleted` counter; returns it."""
        now = self._now()
        with self._write(f"reconcile {connection_id}/{resource}") as conn:
            gone = conn.execute(
                select(records.c.id, records.c.tenant_id, records.c.model, records.c.remote_id)
                .where(
                    records.c.connection_id == connection_id,
                    records.c.resource == resource,
                    records.c.remote_was_deleted.is_(False),
                    records.c.last_seen_at < seen_since,
                )
                .order_by(records.c.remote_id)
            ).all()
            if not gone:
                return 0
            for start in range(0, len(gone), 500):
                ids = [row.id for row in gone[start : start + 500]]
                conn.execute(
                    update(records)
                    .where(records.c.id.in_(ids))
                    .values(remote_was_deleted=True, updated_at=now)
                )
            lock_event_order(conn)
            conn.execute(
                insert(change_events),
                [
                    {
                        "tenant_id": row.tenant_id,
                        "connection_id": connection_id,
                        "resource": resource,
                        "model": row.model,
                        "record_id": row.id,
                        "remote_id": row.remote_id,
                        "kind": "deleted",
                        "occurred_at": now,
                    }
                    for row in gone
                ],
            )
            conn.execute(
                update(sync_runs)
                .where(sync_runs.c.id == run_id)
                .values(deleted=sync_runs.c.deleted + len(gone))
            )
        return len(gone)

    def get_record(self, record_id: str, *, tenant_id: str | None = None) -> RecordRow | None:
        """A record by id; None when absent or (with `tenant_id`) another tenant's."""
        query = select(records).where(records.c.id == record_id)
        if tenant_id is not None:
            query = query.where(records.c.tenant_id == tenant_id)
        with self._read("read record") as conn:
            row = conn.execute(query).first()
        return None if row is None else to_record(row)

    def get_record_by_remote(
        self, connection_id: str, resource: str, remote_id: str
    ) -> RecordRow | None:
        """A record by its vendor id within (connection, resource)."""
        query = select(records).where(
            records.c.connection_id == connection_id,
            records.c.resource == resource,
            records.c.remote_id == remote_id,
        )
        with self._read("read record") as conn:
            row = conn.execute(query).first()
        return None if row is None else to_record(row)

    def list_records(
        self,
        *,
        tenant_id: str,
        connection_ids: Sequence[str] | None,
        model: str | None,
        resource: str | None = None,
        modified_after: datetime | None = None,
        include_deleted: bool = False,
        after: tuple[datetime, str] | None = None,
        limit: int = 100,
    ) -> list[RecordRow]:
        """A tenant's records ordered by (updated_at, id), keyset-paginated.

        `after` is the last (updated_at, id) of the previous page;
        `modified_after` filters on `updated_at` (when the store last changed
        the record, deletions included), the order the pages walk in.
        """
        if limit < 1:
            raise StoreError(f"list_records: limit must be >= 1, got {limit}")
        query = select(records).where(records.c.tenant_id == tenant_id)
        if connection_ids is not None:
            query = query.where(records.c.connection_id.in_(list(connection_ids)))
        if model is not None:
            query = query.where(records.c.model == model)
        if resource is not None:
            query = query.where(records.c.resource == resource)
        if modified_after is not None:
            query = query.where(records.c.updated_at > modified_after)
        if not include_deleted:
            query = query.where(records.c.remote_was_deleted.is_(False))
        if after is not None:
            updated_at, record_id = after
            query = query.where(
                or_(
                    records.c.updated_at > updated_at,
                    and_(records.c.updated_at == updated_at, records.c.id > record_id),
                )
            )
        query = query.order_by(records.c.updated_at, records.c.id).limit(limit)
        with self._read("list records") as conn:
            return [to_record(row) for row in conn.execute(query)]

    def count_records(
        self,
        *,
        connection_id: str | None = None,
        resource: str | None = None,
        include_deleted: bool = False,
    ) -> int:
        """How many records are stored, optionally of one connection and/or resource."""
        query = select(func.count()).select_from(records)
        if connection_id is not None:
            query = query.where(records.c.connection_id == connection_id)
        if resource is not None:
            query = query.where(records.c.resource == resource)
        if not include_deleted:
            query = query.where(records.c.remote_was_deleted.is_(False))
        with self._read("count records") as conn:
            return int(conn.execute(query).scalar_one())
