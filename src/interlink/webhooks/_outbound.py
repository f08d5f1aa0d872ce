"""Outbound delivery: each tenant's change events to its subscribed endpoints, signed, in order.

`fan_out` turns new change events into one delivery per (subscription,
change), unique, so running it twice never sends twice. `deliver_due` sends
what is due, signed per Standard Webhooks (`webhook-id` is the event's unique
id, for the receiver's de-duplication), and never sends a record's change
before that record's earlier changes to the same endpoint have been
delivered (or given up). A failure is retried with exponential backoff over
hours; after `trip_after` consecutive failures the endpoint's circuit opens
for `cooldown` (nothing is sent, then one probe); after `disable_after` it is
disabled with the reason. Every attempt is stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import orjson
import structlog
from sqlalchemy import Row, and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from interlink._clock import Clock, SystemClock
from interlink.store._tables import change_events, records
from interlink.webhooks._outbound_tables import attempts, deliveries, subscriptions
from interlink.webhooks._signing import event_id_for, sign
from interlink.webhooks._subscriptions import ACTIVE, DISABLED, Subscriptions

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from interlink.vault import Vault

__all__ = ["DeliveryStats", "OutboundDispatcher"]

log = structlog.get_logger("interlink.webhooks")

T = TypeVar("T")
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(slots=True)
class DeliveryStats:
    """What one pass did."""

    queued: int = 0
    delivered: int = 0
    failed: int = 0
    given_up: int = 0
    paused: int = 0
    waiting: int = 0


class OutboundDispatcher:
    """Fans change events out to subscriptions and delivers them. Async; SQL on one thread."""

    def __init__(
        self,
        subs: Subscriptions,
        *,
        clock: Clock | None = None,
        timeout: float = 10.0,
        max_attempts: int = 15,
        backoff: float = 30.0,
        max_backoff: float = 6 * 3600.0,
        trip_after: int = 5,
        cooldown: float = 300.0,
        disable_after: int = 50,
    ) -> None:
        self.subs = subs
        self.engine = subs.engine
        self._writer = self.engine.execution_options(interlink_write=True)
        self._clock: Clock = clock or SystemClock()
        self._timeout = timeout
        self._max_attempts, self._backoff, self._max_backoff = max_attempts, backoff, max_backoff
        self._trip_after, self._cooldown, self._disable_after = trip_after, cooldown, disable_after
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="interlink-outbound")
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def for_vault(
        cls, engine: Engine, vault: Vault, *, clock: Clock | None = None
    ) -> OutboundDispatcher:
        """The dispatcher `interlink webhooks deliver` and `interlink serve` run: the store's
        subscriptions, their secrets opened by `vault`."""
        return cls(Subscriptions.for_vault(engine, vault, clock=clock), clock=clock)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._db.shutdown(wait=True)

    async def run(self, stop: asyncio.Event, *, poll: float = 5.0) -> None:
        """Fan out and deliver until `stop` is set, waiting `poll` seconds between passes
        that had nothing to send."""
        while not stop.is_set():
            try:
                stats = await self.run_once()
            except Exception:  # the store or the network is down: keep the loop, retry later
                log.exception("webhooks.outbound_failed")
                stats = DeliveryStats()
            if not (stats.delivered or stats.failed or stats.given_up):
                await _sleep_unless(stop, self._clock.sleep(poll))

    async def run_once(self) -> DeliveryStats:
        """Fan out what is new, then deliver what is due."""
        queued = await self._call(self.fan_out)
        stats = await self.deliver_due()
        stats.queued = queued
        return stats

    def fan_out(self, limit: int = 1000) -> int:
        """Queue one delivery per new change event and active subscription wanting its model."""
        queued = 0
        now = self.subs.now()
        for sub in self.subs.list():
            if sub.status != ACTIVE:
                continue
            query = (
                select(change_events.c.seq, change_events.c.record_id, change_events.c.model)
                .where(
                    change_events.c.tenant_id == sub.tenant_id, change_events.c.seq > sub.last_seq
                )
                .order_by(change_events.c.seq)
                .limit(limit)
            )
            with self._writer.begin() as conn:
                found = conn.execute(query).all()
                rows = [
                    {"id": event_id_for(sub.id, seq).replace("evt_", "dlv_"),
                     "subscription_id": sub.id, "seq": seq, "event_id": event_id_for(sub.id, seq),
                     "record_id": record_id, "status": PENDING, "attempts": 0,
                     "next_attempt_at": now, "created_at": now}
                    for seq, record_id, model in found if sub.wants(model)
                ]  # fmt: skip
                if rows:  # a concurrent fan-out may have queued some: never twice
                    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
                    statement = dialect.insert(deliveries).on_conflict_do_nothing(
                        index_elements=["subscription_id", "seq"]
                    )
                    conn.execute(statement, rows)
                if found:
                    conn.execute(
                        update(subscriptions)
                        .where(
                            subscriptions.c.id == sub.id, subscriptions.c.last_seq == sub.last_seq
                        )
                        .values(last_seq=found[-1][0])
                    )
            queued += len(rows)
        return queued

    def _due(self, limit: int) -> tuple[list[Row[Any]], int]:
        """Deliveries to send now, each the oldest pending one of its (endpoint, record)."""
        now = self.subs.now()
        first = (
            select(deliveries.c.subscription_id, deliveries.c.record_id,
                   func.min(deliveries.c.seq).label("seq"))
            .where(deliveries.c.status == PENDING)
            .group_by(deliveries.c.subscription_id, deliveries.c.record_id)
            .subquery()
        )  # fmt: skip
        query = (
            select(deliveries, subscriptions.c.url, subscriptions.c.paused_until,
                   change_events.c.kind, change_events.c.model, change_events.c.connection_id,
                   change_events.c.remote_id, change_events.c.occurred_at, records.c.data)
            .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            .join(change_events, change_events.c.seq == deliveries.c.seq)
            .outerjoin(records, records.c.id == deliveries.c.record_id)
            .join(first, and_(first.c.subscription_id == deliveries.c.subscription_id,
                              first.c.record_id == deliveries.c.record_id))
            .where(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now,
                   subscriptions.c.status == ACTIVE)
            .order_by(deliveries.c.seq)
            .limit(limit)
        )  # fmt: skip
        with self.engine.connect() as conn:
            rows = conn.execute(query.add_columns(first.c.seq.label("first_seq"))).all()
        eligible = [r for r in rows if r.seq == r.first_seq]
        return eligible, len(rows) - len(eligible)

    async def deliver_due(self, limit: int = 200) -> DeliveryStats:
        stats = DeliveryStats()
        rows, stats.waiting = await self._call(self._due, limit)
        secrets: dict[str, str] = {}
        paused: set[str] = set()
        for row in rows:
            now = self.subs.now()
            if row.subscription_id in paused or (
                row.paused_until is not None and row.paused_until > now
            ):
                stats.paused += 1
                continue
            if row.subscription_id not in secrets:
                secrets[row.subscription_id] = await self._call(
                    self.subs.secret, row.subscription_id
                )
            if not await self._call(self._claim, row):
                continue  # another dispatcher (another `interlink serve`) is sending it
            status, error, took = await self._send(row, secrets[row.subscription_id])
            outcome = await self._call(self._record, row, status, error, took)
            setattr(stats, outcome, getattr(stats, outcome) + 1)
            if outcome != "delivered":  # this failure may have tripped the endpoint's circuit
                sub = await self._call(self.subs.get, row.subscription_id)
                if sub is None or sub.status != ACTIVE or sub.paused_until is not None:
                    paused.add(row.subscription_id)
        return stats

    async def _send(self, row: Row[Any], secret: str) -> tuple[int | None, str | None, int]:
        body = orjson.dumps({
            "id": row.event_id, "type": f"{row.model}.{row.kind}",
            "timestamp": row.occurred_at.isoformat(),
            "data": {"id": row.record_id, "model": row.model, "change": row.kind,
                     "connection_id": row.connection_id, "remote_id": row.remote_id,
                     "record": row.data},
        })  # fmt: skip
        stamp = int(self._clock.time())
        headers = {"content-type": "application/json", "user-agent": "Interlink-Webhooks/1",
                   "webhook-id": row.event_id, "webhook-timestamp": str(stamp),
                   "webhook-signature": sign(secret, row.event_id, stamp, body)}  # fmt: skip
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
        started = time.perf_counter()
        try:
            async with self._session.post(row.url, data=body, headers=headers) as response:
                await response.read()
                status = response.status
                error = None if 200 <= status < 300 else f"HTTP {status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"[:500]
        return status, error, int((time.perf_counter() - started) * 1000)

    def _claim(self, row: Row[Any]) -> bool:
        """Lease the delivery for one send, so dispatchers running side by side (one per
        server) never send it twice; if this one dies mid-send the lease expires and the
        delivery is sent again (receivers de-duplicate on `webhook-id`)."""
        now = self.subs.now()
        lease = now + timedelta(seconds=self._timeout + 60)
        claim = (
            update(deliveries)
            .where(deliveries.c.id == row.id, deliveries.c.status == PENDING,
                   deliveries.c.attempts == row.attempts, deliveries.c.next_attempt_at <= now)
            .values(next_attempt_at=lease)
        )  # fmt: skip
        with self._writer.begin() as conn:
            return bool(conn.execute(claim).rowcount == 1)

    def _record(self, row: Row[Any], status: int | None, error: str | None, took: int) -> str:
        """Store the attempt and its consequences; returns the DeliveryStats field to count."""
        now = self.subs.now()
        attempt = row.attempts + 1
        this = deliveries.c.id == row.id
        endpoint = subscriptions.c.id == row.subscription_id
        with self._writer.begin() as conn:
            tried = {"delivery_id": row.id, "attempt": attempt, "at": now, "status": status,
                     "error": error, "duration_ms": took}  # fmt: skip
            conn.execute(insert(attempts).values(**tried))
            if error is None:
                done = {"status": DELIVERED, "attempts": attempt, "last_status": status,
                        "last_error": None, "delivered_at": now,
                        "next_attempt_at": None}  # fmt: skip
                conn.execute(update(deliveries).where(this).values(**done))
                healthy = {"failures": 0, "paused_until": None, "updated_at": now}
                conn.execute(update(subscriptions).where(endpoint).values(**healthy))
                return "delivered"
            gave_up = attempt >= self._max_attempts
            delay = timedelta(seconds=min(self._max_backoff, self._backoff * 2 ** (attempt - 1)))
            retry = {"status": FAILED if gave_up else PENDING, "attempts": attempt,
                     "last_status": status, "last_error": error,
                     "next_attempt_at": None if gave_up else now + delay}  # fmt: skip
            conn.execute(update(deliveries).where(this).values(**retry))
            failures = conn.execute(select(subscriptions.c.failures).where(endpoint)).scalar_one()
            failures += 1
            changes: dict[str, Any] = {"failures": failures, "updated_at": now}
            if failures >= self._disable_after:
                changes["status"] = DISABLED
                changes["disabled_reason"] = (
                    f"disabled after {failures} consecutive failed deliveries; last: {error}"
                )
            elif failures >= self._trip_after:
                changes["paused_until"] = now + timedelta(seconds=self._cooldown)
            conn.execute(update(subscriptions).where(endpoint).values(**changes))
        return "given_up" if gave_up else "failed"


async def _sleep_unless(stop: asyncio.Event, sleep: Coroutine[Any, Any, None]) -> None:
    """Sleep, but wake at once when `stop` is set (a server shutting down does not wait)."""
    sleeping = asyncio.ensure_future(sleep)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeping, stopping):
            task.cancel()
