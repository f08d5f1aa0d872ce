"""Processing the inbox: each event becomes a unified change, in order, or waits and retries.

An event either carries its record (`upsert`: mapped as a listing would map
it), names a deleted one (`delete`), or is a thin hint (`fetch`: the record is
read through the pipeline with `Connection.get`, so it is current). A
failure is retried with exponential backoff; after `max_attempts`, or at once
for a failure no retry can fix (a mapping error, a bad declaration), the
event goes to the dead-letter queue with its error. With a `retention`, the
long-running loop also purges finished events older than that window, every
`purge_every` seconds (the window is how long a redelivery is recognised).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, TypeVar

import structlog

from interlink._clock import Clock, SystemClock
from interlink._errors import ConfigError, MappingError, NotFoundError, UpstreamError
from interlink.client import Connection
from interlink.models import record_id
from interlink.store._apply import Target
from interlink.store._types import PreparedRecord
from interlink.sync import prepare
from interlink.webhooks._apply import apply_event
from interlink.webhooks._config import EventRoute, ProviderWebhooks, WebhookProviders
from interlink.webhooks._dlq import DeadLetters
from interlink.webhooks._inbox import IGNORED, Inbox, InboxEvent

__all__ = ["ConnectionOpener", "ProcessStats", "WebhookProcessor"]

log = structlog.get_logger("interlink.webhooks")
T = TypeVar("T")


class ConnectionOpener(Protocol):
    """Opens a live connection by id (`interlink.sync.StoreConnections` is one)."""

    async def open(self, connection_id: str) -> Connection: ...


@dataclass(slots=True)
class ProcessStats:
    """What one pass over the inbox did."""

    applied: int = 0
    stale: int = 0
    ignored: int = 0
    retried: int = 0
    dead: int = 0
    changes: dict[str, int] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return self.applied + self.stale + self.ignored + self.retried + self.dead


class _Permanent(Exception):  # noqa: N818 - a marker, never shown
    """A failure that retrying cannot fix."""


class WebhookProcessor:
    """Drains the inbox into the store. Async; the database work runs on one worker thread."""

    def __init__(
        self,
        inbox: Inbox,
        providers: WebhookProviders,
        connections: ConnectionOpener,
        *,
        clock: Clock | None = None,
        max_attempts: int = 8,
        backoff: float = 30.0,
        max_backoff: float = 6 * 3600.0,
        rng: random.Random | None = None,
        retention: timedelta | None = None,
        purge_every: float = 3600.0,
    ) -> None:
        self.inbox = inbox
        self.dead_letters = DeadLetters(inbox)
        self._providers = providers
        self._connections = connections
        self._clock: Clock = clock or SystemClock()
        self._max_attempts = max_attempts
        self._backoff, self._max_backoff = backoff, max_backoff
        self._rng = rng or random.Random()
        if retention is not None and retention <= timedelta(0):
            raise ValueError(f"retention must be a positive duration, got {retention}")
        self._retention, self._purge_every = retention, purge_every
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="interlink-webhooks")

    async def _call(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, lambda: fn(*args, **kw))

    async def run_once(self, limit: int = 100) -> ProcessStats:
        """Process the events due now (up to `limit`), oldest first."""
        stats = ProcessStats()
        for event in await self._call(self.inbox.claim, limit):
            await self._process(event, stats)
        return stats

    async def drain(self, *, max_passes: int = 1000) -> ProcessStats:
        """Process until nothing is due now (retries scheduled later stay pending)."""
        total = ProcessStats()
        for _ in range(max_passes):
            stats = await self.run_once()
            if not stats.handled:
                break
            for name in ("applied", "stale", "ignored", "retried", "dead"):
                setattr(total, name, getattr(total, name) + getattr(stats, name))
            for kind, n in stats.changes.items():
                total.changes[kind] = total.changes.get(kind, 0) + n
        return total

    async def run(self, stop: asyncio.Event, *, poll: float = 1.0) -> None:
        """Process until `stop` is set, waiting `poll` seconds whenever the inbox is idle,
        and purge the inbox past its retention window on start and every `purge_every`."""
        log.info("webhooks.processor_started", poll=poll, retention=str(self._retention))
        next_purge = self._clock.time()
        while not stop.is_set():
            if self._retention is not None and self._clock.time() >= next_purge:
                next_purge = self._clock.time() + self._purge_every
                await self.purge()
            try:
                stats = await self.run_once()
            except Exception:  # the store is down: keep the loop, try again later
                log.exception("webhooks.process_failed")
                stats = ProcessStats()
            if not stats.handled:
                await self._clock.sleep(poll)

    async def purge(self) -> int:
        """Forget finished events older than the retention window; how many (0 without one)."""
        if self._retention is None:
            return 0
        try:
            purged = await self._call(self.inbox.purge, self._retention)
        except Exception:  # the store is down: the next purge catches up
            log.exception("webhooks.purge_failed")
            return 0
        if purged:
            log.info("webhooks.purged", events=purged, retention=str(self._retention))
        return purged

    async def aclose(self) -> None:
        self._db.shutdown(wait=True)

    async def _process(self, event: InboxEvent, stats: ProcessStats) -> None:
        try:
            status, kind = await self._handle(event)
        except Exception as exc:
            await self._failed(event, exc, stats)
            return
        if status == "applied":
            stats.applied += 1
            if kind is not None:
                stats.changes[kind] = stats.changes.get(kind, 0) + 1
        elif status == "stale":
            stats.stale += 1
        else:
            stats.ignored += 1

    async def _handle(self, event: InboxEvent) -> tuple[str, str | None]:
        config = self._providers.get(event.provider)
        if config is None or config.spec is None or event.connection_id is None:
            raise _Permanent(f"provider {event.provider!r} has no webhook declaration")
        info = config.describe(event.payload, event.headers)
        route = info.route
        if route is None or route.action == "ignore" or info.remote_id is None:
            why = (f"no route for event type {info.event_type!r}" if route is None
                   else "ignored by its route" if route.action == "ignore"
                   else "the event names no object id")  # fmt: skip
            await self._call(self._finish, event, IGNORED, why)
            return IGNORED, None
        resource = config.spec.resources[route.resource]
        target = Target(event.tenant_id or "", event.connection_id, resource.name, resource.model)
        record = await self._record(event, config, route, info.remote_id, target)
        outcome = await self._call(
            apply_event, self.inbox, event, target, info, record,
            trust_order=route.action == "fetch",
        )  # fmt: skip
        return outcome.status, outcome.kind

    def _finish(self, event: InboxEvent, status: str, note: str) -> None:
        with self.inbox.write("closing a webhook event") as conn:
            self.inbox.finish(conn, event.id, status, note)

    async def _record(
        self,
        event: InboxEvent,
        config: ProviderWebhooks,
        route: EventRoute,
        remote_id: str,
        target: Target,
    ) -> PreparedRecord:
        if route.action == "delete":
            return _deleted(target, remote_id)
        if route.action == "upsert" and config.spec is not None:
            raw = event.payload if route.record is None else route.record.get(event.payload)
            mapping = config.spec.resources[target.resource].mapping
            try:
                return prepare(mapping.validate(mapping.read(raw, target.connection_id)))
            except MappingError as exc:
                raise _Permanent(str(exc)) from exc
        connection = await self._connections.open(target.connection_id)
        try:
            return prepare(await connection.get(target.resource, remote_id))
        except NotFoundError:
            return _deleted(target, remote_id)  # gone at the vendor: the hint was a deletion
        finally:
            await connection.aclose()

    async def _failed(self, event: InboxEvent, exc: BaseException, stats: ProcessStats) -> None:
        error = _describe(exc)
        permanent = isinstance(exc, _Permanent | MappingError | ConfigError) or (
            isinstance(exc, UpstreamError) and not exc.retryable
        )
        if permanent or event.attempts >= self._max_attempts:
            await self._call(self.dead_letters.bury, event, error)
            stats.dead += 1
            log.warning("webhooks.dead_letter", inbox_id=event.id, error=error)
            return
        delay = min(self._max_backoff, self._backoff * 2 ** (event.attempts - 1))
        delay *= 0.5 + self._rng.random() / 2  # jitter: retries of a burst spread out
        at = self.inbox.now() + timedelta(seconds=delay)
        await self._call(self.inbox.retry_later, event.id, error, at)
        stats.retried += 1


def _deleted(target: Target, remote_id: str) -> PreparedRecord:
    return PreparedRecord(
        record_id(target.connection_id, target.model, remote_id), remote_id, {}, None, "",
        None, deleted=True,
    )  # fmt: skip


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, _Permanent) else f"{type(exc).__name__}: {text}"
