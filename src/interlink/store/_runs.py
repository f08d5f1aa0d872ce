"""Sync state per (connection, resource) and the runs that advance it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, insert, select, update

from interlink._errors import StoreError
from interlink.store._base import StoreBase, new_id
from interlink.store._rows import to_checkpoint, to_run
from interlink.store._tables import connections, sync_runs, sync_state
from interlink.store._types import Checkpoint, RunOutcome, RunStats, SyncRun
from interlink.store._upsert import upsert

__all__ = ["RunsMixin", "write_checkpoint"]

_MODES = frozenset({"incremental", "full"})
_FINAL = frozenset({"succeeded", "failed", "deferred"})


def write_checkpoint(conn: Connection, cp: Checkpoint, now: datetime) -> None:
    """Insert or replace the checkpoint row inside `conn`'s transaction."""
    row = {
        "connection_id": cp.connection_id,
        "resource": cp.resource,
        "watermark": cp.watermark,
        "resume": cp.resume,
        "next_run_at": cp.next_run_at,
        "last_full_at": cp.last_full_at,
        "updated_at": now,
        "drift_profile": cp.drift_profile,
    }
    upsert(conn, sync_state, row, keys=("connection_id", "resource"))


class RunsMixin(StoreBase):
    """Checkpoints and sync runs."""

    def get_checkpoint(self, connection_id: str, resource: str) -> Checkpoint:
        """The stored checkpoint, or an empty one (never synced)."""
        query = select(sync_state).where(
            sync_state.c.connection_id == connection_id, sync_state.c.resource == resource
        )
        with self._read("read checkpoint") as conn:
            row = conn.execute(query).first()
        return Checkpoint(connection_id, resource) if row is None else to_checkpoint(row)

    def save_checkpoint(self, cp: Checkpoint) -> None:
        """Insert or replace a checkpoint on its own (pages commit theirs with apply_page)."""
        with self._write(f"save checkpoint {cp.connection_id}/{cp.resource}") as conn:
            write_checkpoint(conn, cp, self._now())

    def due_checkpoints(self, now: datetime) -> list[Checkpoint]:
        """Checkpoints of active connections whose `next_run_at` has come, soonest first.

        A resource never synced has no checkpoint: the scheduler starts those itself.
        """
        query = (
            select(sync_state)
            .join(connections, connections.c.id == sync_state.c.connection_id)
            .where(connections.c.status == "active", sync_state.c.next_run_at <= now)
            .order_by(sync_state.c.next_run_at, sync_state.c.connection_id, sync_state.c.resource)
        )
        with self._read("list due checkpoints") as conn:
            return [to_checkpoint(row) for row in conn.execute(query)]

    def start_run(
        self, connection_id: str, resource: str, mode: Literal["incremental", "full"]
    ) -> SyncRun:
        """Record a run as `running`, with zeroed counters."""
        if mode not in _MODES:
            raise StoreError(f"start_run: mode {mode!r} is not one of {sorted(_MODES)}")
        run = SyncRun(
            id=new_id("run"),
            connection_id=connection_id,
            resource=resource,
            mode=mode,
            started_at=self._now(),
            outcome="running",
            stats=RunStats(),
        )
        row = {name: value for name, value in asdict(run).items() if name != "stats"}
        with self._write(f"start a run of {connection_id}/{resource}") as conn:
            known = select(connections.c.id).where(connections.c.id == connection_id)
            if conn.execute(known).first() is None:
                raise StoreError(f"cannot start a run: no connection {connection_id!r}")
            conn.execute(insert(sync_runs), {**row, **asdict(run.stats)})
        return run

    def finish_run(
        self,
        run_id: str,
        *,
        outcome: RunOutcome,
        stats: RunStats,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> SyncRun:
        """Close a run with its outcome and final counters; `checkpoint`, when given, is
        saved in the same transaction (a deferred run's next attempt, a cleared resume)."""
        if outcome not in _FINAL:
            raise StoreError(f"finish_run: outcome {outcome!r} is not one of {sorted(_FINAL)}")
        now = self._now()
        values = {
            "outcome": outcome,
            "finished_at": now,
            "error": error,
            "next_attempt_at": next_attempt_at,
            **asdict(stats),
        }
        with self._write(f"finish run {run_id}") as conn:
            row = conn.execute(
                update(sync_runs)
                .where(sync_runs.c.id == run_id)
                .values(values)
                .returning(*sync_runs.c)
            ).first()
            if row is None:
                raise StoreError(f"finish_run: no sync run {run_id!r}")
            if checkpoint is not None:
                write_checkpoint(conn, checkpoint, now)
        return to_run(row)

    def get_run(self, run_id: str) -> SyncRun | None:
        """A run by id, or None."""
        with self._read("read run") as conn:
            row = conn.execute(select(sync_runs).where(sync_runs.c.id == run_id)).first()
        return None if row is None else to_run(row)

    def list_runs(
        self, *, connection_id: str | None = None, tenant_id: str | None = None, limit: int = 20
    ) -> list[SyncRun]:
        """Recent runs, newest first, optionally of one connection or one tenant."""
        query = select(sync_runs)
        if connection_id is not None:
            query = query.where(sync_runs.c.connection_id == connection_id)
        if tenant_id is not None:
            owned = select(connections.c.id).where(connections.c.tenant_id == tenant_id)
            query = query.where(sync_runs.c.connection_id.in_(owned))
        query = query.order_by(sync_runs.c.started_at.desc(), sync_runs.c.id.desc()).limit(limit)
        with self._read("list runs") as conn:
            return [to_run(row) for row in conn.execute(query)]

    def abandon_running(self, connection_id: str, resource: str) -> int:
        """Close runs a crashed process left `running` as `failed` ("interrupted").

        Called before a new run of (connection, resource) starts; returns how many.
        """
        with self._write(f"abandon runs of {connection_id}/{resource}") as conn:
            return conn.execute(
                update(sync_runs)
                .where(
                    sync_runs.c.connection_id == connection_id,
                    sync_runs.c.resource == resource,
                    sync_runs.c.outcome == "running",
                )
                .values(outcome="failed", error="interrupted", finished_at=self._now())
            ).rowcount
