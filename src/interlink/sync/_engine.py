"""The sync engine: one (connection, resource) brought up to date per `run`.

```python
engine = SyncEngine(store, connections, lookback=timedelta(minutes=5))
run = await engine.run(SyncJob("conn-1", "contacts"))
```

A run is incremental from the stored watermark minus the lookback, or a full
listing (the first run, `full=True`, or every `full_every` for a resource the
vendor cannot list deletions of). Each page is committed with its checkpoint
in one transaction, so a crash resumes at the next page; the watermark moves
only when the run completes. Outcomes: `succeeded`; `deferred` when the
vendor's budget is spent, its breaker open or its rate limit asks for longer
than the pipeline waits (what was read is kept, the next attempt is due at
the reset); `failed` otherwise, with the vendor's reason. See docs/sync.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import structlog

from interlink._clock import Clock, SystemClock
from interlink._errors import (
    BudgetExhaustedError,
    CircuitOpenError,
    ConfigError,
    InterlinkError,
    RateLimitedError,
    StoreError,
    UpstreamError,
)
from interlink.client import Connection, MappedPage
from interlink.connectors import ResourceSpec
from interlink.store import AsyncStore, Checkpoint, RunOutcome, RunStats, SyncRun
from interlink.sync._checkpoint import Mode, Phase, ResumePoint
from interlink.sync._connections import ConnectionSource
from interlink.sync._drift import DriftWatch
from interlink.sync._job import SyncJob
from interlink.sync._listing import Progress, Target, read_phase
from interlink.sync._observer import SyncObserver

__all__ = ["SyncEngine"]

log = structlog.get_logger("interlink.sync")
_UNKNOWN_WAIT = 60.0  # seconds, when a vendor defers us without saying for how long


class SyncEngine:
    """Runs sync jobs against a store, with connections from a `ConnectionSource`.

    `overlap` fetches and maps page N+1 while the store's worker thread commits
    page N. By default it is on for PostgreSQL, where a commit waits on the
    network, and off for SQLite, where it was measured to cost CPU instead of
    saving time: both halves are Python holding the GIL, and handing it back
    and forth between the loop and the store thread adds ~10% CPU per
    record (docs/sync.md, Measurements).
    """

    def __init__(
        self,
        store: AsyncStore,
        connections: ConnectionSource,
        *,
        clock: Clock | None = None,
        lookback: timedelta = timedelta(minutes=5),
        full_every: timedelta = timedelta(hours=24),
        observer: SyncObserver | None = None,
        overlap: bool | None = None,
    ) -> None:
        if lookback < timedelta(0) or full_every <= timedelta(0):
            raise ConfigError("sync", "lookback must be >= 0 and full_every > 0")
        self._store = store
        self._connections = connections
        self._clock = clock or SystemClock()
        self._lookback = lookback
        self._full_every = full_every
        self._observer = observer
        self._overlap = store.store.dialect != "sqlite" if overlap is None else overlap

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    async def run(self, job: SyncJob) -> SyncRun:
        """Run `job` to its end and return the run as recorded. Vendor trouble is an
        outcome, never an exception; a store failure or a bug propagates (after the
        run is closed as failed when the store still answers)."""
        store = self._store
        try:
            conn = await self._connections.open(job.connection_id)
            spec = conn.resource(job.resource)
        except InterlinkError as exc:
            if isinstance(exc, StoreError) or await store.get_connection(job.connection_id) is None:
                raise
            await store.abandon_running(job.connection_id, job.resource)
            run = await store.start_run(job.connection_id, job.resource, "incremental")
            return await self._finish(run, "failed", RunStats(), error=str(exc))
        row = await store.get_connection(job.connection_id)
        if row is None:
            raise StoreError(f"no connection {job.connection_id!r} in the store")
        target = Target(row.tenant_id, job.connection_id, spec.name, spec.model)
        await store.abandon_running(target.connection_id, target.resource)
        checkpoint = await store.get_checkpoint(target.connection_id, target.resource)
        point = self._resume_point(checkpoint, job)
        mode = point.mode if point is not None else self._mode(job, spec, checkpoint)
        run = await store.start_run(target.connection_id, target.resource, mode)
        if point is None:
            since = checkpoint.watermark
            point = ResumePoint(
                run.id,
                mode,
                "main",
                run.started_at,
                since=None if mode == "full" or since is None else since - self._lookback,
            )
        else:
            log.info("sync.resuming", run_id=run.id, resumed=point.run_id, phase=point.phase)
            point = replace(point, run_id=run.id)
        progress = Progress(RunStats(), checkpoint, point)
        drift = DriftWatch(
            self._store, spec, target.connection_id, self._now, checkpoint.drift_profile
        )
        pipeline = conn.pipeline.stats
        base = (pipeline.requests, pipeline.retries, pipeline.rate_limited)

        def pipeline_stats() -> RunStats:
            # This run's share of the connection's totals (a prefetched page counts too).
            return replace(
                progress.stats,
                requests=pipeline.requests - base[0],
                retries=pipeline.retries - base[1],
                absorbed_429s=pipeline.rate_limited - base[2],
            )

        try:
            await self._phases(job, conn, spec, target, progress, drift, pipeline_stats)
        except (BudgetExhaustedError, CircuitOpenError, RateLimitedError) as exc:
            at = self._next_attempt(exc)
            profile = drift.profile() or checkpoint.drift_profile
            cp = replace(progress.checkpoint, next_run_at=at, drift_profile=profile)
            return await self._finish(
                run, "deferred", pipeline_stats(), error=str(exc), at=at, checkpoint=cp
            )
        except UpstreamError as exc:  # auth refused, fatal answers, retries spent
            return await self._finish(run, "failed", pipeline_stats(), error=str(exc))
        except asyncio.CancelledError:
            await asyncio.shield(self._finish(run, "failed", pipeline_stats(), error="cancelled"))
            raise
        except Exception as exc:
            await self._finish(
                run, "failed", pipeline_stats(), error=f"{type(exc).__name__}: {exc}"
            )
            raise
        newest = progress.point.newest
        old = checkpoint.watermark
        done = replace(
            progress.checkpoint,
            watermark=newest if old is None or (newest is not None and newest > old) else old,
            resume=None,
            last_full_at=progress.point.started_at if mode == "full" else checkpoint.last_full_at,
            drift_profile=drift.profile() or checkpoint.drift_profile,
        )
        errors = progress.mapping_errors
        summary = None
        if progress.stats.mapping_errors:
            summary = (
                f"{progress.stats.mapping_errors} record(s) could not be mapped and were not "
                f"stored; first: {errors[0]}"
            )
        stats = pipeline_stats()
        return await self._finish(run, "succeeded", stats, error=summary, checkpoint=done)

    async def _phases(
        self,
        job: SyncJob,
        conn: Connection,
        spec: ResourceSpec,
        target: Target,
        progress: Progress,
        drift: DriftWatch,
        pipeline_stats: Callable[[], RunStats],
    ) -> None:
        full = progress.point.mode == "full"
        order: list[Phase] = ["main"]
        if not full and "deleted" in spec.operations:
            order.append("deleted")
        order += ["reconcile", "done"] if full else ["done"]

        def committed() -> None:
            if self._observer is not None:
                self._observer.on_page(job, progress.stats)

        def on_page(page: MappedPage) -> None:
            if progress.point.phase == "main":  # a deleted listing may be another shape
                drift.observe(page)

        while progress.point.phase != "done":
            phase = progress.point.phase
            following = order[order.index(phase) + 1] if phase in order else "done"
            if phase in ("main", "deleted"):
                await read_phase(
                    self._store, conn, target, progress,
                    following=following, overlap=self._overlap,
                    pipeline_stats=pipeline_stats, on_page=on_page, committed=committed,
                )  # fmt: skip
                await drift.flush()
            else:  # reconcile: only after a complete full listing
                gone = await self._store.mark_missing_deleted(
                    connection_id=target.connection_id,
                    resource=target.resource,
                    seen_since=progress.point.started_at,
                    run_id=progress.point.run_id,
                )
                progress.stats = replace(progress.stats, deleted=progress.stats.deleted + gone)
                progress.point = progress.point.advanced(
                    None, progress.point.newest, phase=following
                )

    def _resume_point(self, checkpoint: Checkpoint, job: SyncJob) -> ResumePoint | None:
        if checkpoint.resume is None:
            return None
        try:
            point = ResumePoint.from_json(checkpoint.resume)
        except ConfigError as exc:
            log.warning("sync.resume_unreadable", problem=str(exc), resource=job.resource)
            return None
        if job.full and point.mode != "full":
            return None  # asked for a full listing: the interrupted incremental one is moot
        return point

    def _mode(self, job: SyncJob, spec: ResourceSpec, checkpoint: Checkpoint) -> Mode:
        operations = spec.operations
        if job.full or checkpoint.watermark is None or "incremental" not in operations:
            return "full"
        if "deleted" in operations:
            return "incremental"
        last = checkpoint.last_full_at
        due = last is None or self._now() - last >= self._full_every
        return "full" if due else "incremental"

    def _next_attempt(self, exc: RateLimitedError | CircuitOpenError) -> datetime:
        if isinstance(exc, BudgetExhaustedError):
            return datetime.fromtimestamp(exc.resets_at, UTC)
        wait = exc.retry_after if exc.retry_after is not None else _UNKNOWN_WAIT
        return self._now() + timedelta(seconds=wait)

    async def _finish(
        self,
        run: SyncRun,
        outcome: RunOutcome,
        stats: RunStats,
        *,
        error: str | None = None,
        at: datetime | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> SyncRun:
        finished = await self._store.finish_run(
            run.id,
            outcome=outcome,
            stats=stats,
            error=error,
            next_attempt_at=at,
            checkpoint=checkpoint,
        )
        log.info(
            "sync.run_finished",
            run_id=run.id,
            connection_id=run.connection_id,
            resource=run.resource,
            mode=run.mode,
            outcome=outcome,
            seen=stats.seen,
            created=stats.created,
            updated=stats.updated,
            deleted=stats.deleted,
            requests=stats.requests,
            error=error,
        )
        if self._observer is not None:
            self._observer.on_finish(finished)
        return finished
