"""One phase of a run: a listing read page by page, each page committed with its checkpoint.

Streaming, with memory flat in the dataset's size: at most two pages are
alive, the one being committed (the store works on its own thread) and the
one being fetched and mapped meanwhile. Page N+1's commit starts only after
page N's has finished, so checkpoints land in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import structlog

from interlink._errors import MappingError
from interlink.client import Connection, MappedPage
from interlink.store import AsyncStore, Checkpoint, PageResult, RunStats
from interlink.sync._checkpoint import Phase, ResumePoint
from interlink.sync._hashing import prepare

__all__ = ["Progress", "Target", "read_phase"]

log = structlog.get_logger("interlink.sync")


@dataclass(slots=True)
class Progress:
    """What a run has done so far: its counters, its checkpoint, its first mapping errors."""

    stats: RunStats
    checkpoint: Checkpoint
    point: ResumePoint
    mapping_errors: list[MappingError] = field(default_factory=list)

    def add(self, result: PageResult) -> None:
        s = self.stats
        self.stats = replace(
            s,
            created=s.created + result.created,
            updated=s.updated + result.updated,
            unchanged=s.unchanged + result.unchanged,
            deleted=s.deleted + result.deleted,
        )


@dataclass(frozen=True, slots=True)
class Target:
    """Which records a run writes: the tenant's, of one connection's resource and model."""

    tenant_id: str
    connection_id: str
    resource: str
    model: str


async def read_phase(
    store: AsyncStore,
    conn: Connection,
    target: Target,
    progress: Progress,
    *,
    following: Phase,
    overlap: bool,
    pipeline_stats: Callable[[], RunStats],  # progress.stats with fresh request counters
    on_page: Callable[[MappedPage], None],
    committed: Callable[[], None],
) -> None:
    """Read `progress.point.phase` to its end, committing every page; then move the
    checkpoint's phase to `following`."""
    point = progress.point
    deleted = point.phase == "deleted"
    full = point.mode == "full"
    pending: asyncio.Task[PageResult] | None = None

    def report(error: MappingError) -> None:
        if len(progress.mapping_errors) < 10:
            progress.mapping_errors.append(error)
        log.warning(
            "sync.mapping_error",
            connection_id=target.connection_id,
            resource=target.resource,
            remote_id=error.remote_id,
            field=error.field,
            problem=error.problem,
        )

    pages = conn.pages(
        target.resource,
        modified_after=point.since,
        deleted=deleted,
        resume_from=point.next_request,
        on_error=report,
        max_pages=None,
        prefetch=True,  # the vendor works on page N+1 while page N maps and commits
    )
    try:
        async for page in pages:
            on_page(page)
            prepared = [prepare(record, deleted=deleted) for record in page.records]
            newest = point.newest
            if not deleted:  # the deleted listing never moves the watermark
                for record in prepared:
                    at = record.modified_at
                    if at is not None and (newest is None or at > newest):
                        newest = at
            if page.next_request is None:
                point = point.advanced(None, newest, phase=following)
            else:
                point = point.advanced(page.next_request if page.resumable else None, newest)
            s = pipeline_stats()  # the run's totals with the pipeline's counters now
            progress.stats = replace(
                s, seen=s.seen + page.received, mapping_errors=s.mapping_errors + len(page.errors)
            )
            checkpoint = replace(progress.checkpoint, resume=point.to_json())
            if pending is not None:
                previous, pending = pending, None  # counted once, even if cancelled
                await _count(previous, progress, committed)
            pending = asyncio.ensure_future(
                store.apply_page(
                    tenant_id=target.tenant_id,
                    connection_id=target.connection_id,
                    resource=target.resource,
                    model=target.model,
                    records=prepared,
                    checkpoint=checkpoint,
                    run_id=point.run_id,
                    stats=progress.stats,
                    touch_unchanged=full,
                )
            )
            progress.checkpoint, progress.point = checkpoint, point
            if not overlap:
                previous, pending = pending, None
                await _count(previous, progress, committed)
    finally:
        # A page handed to the store is committed (or fails) whatever happens next.
        if pending is not None:
            await _count(pending, progress, committed)
    if progress.point.phase != following:  # a listing that yielded no page at all
        progress.point = progress.point.advanced(None, progress.point.newest, phase=following)


async def _count(
    pending: asyncio.Future[PageResult], progress: Progress, committed: Callable[[], None]
) -> None:
    """Wait for a page's commit and count it, even when the run is cancelled meanwhile:
    the commit lands anyway (it is shielded), so the run must say so; the cancellation is
    raised once it is counted (callers forget the commit before calling, so it is never
    counted twice)."""
    cancelled: asyncio.CancelledError | None = None
    while not pending.done():
        try:
            await asyncio.shield(pending)
        except asyncio.CancelledError as exc:
            cancelled = exc
    progress.add(pending.result())
    committed()
    if cancelled is not None:
        raise cancelled
