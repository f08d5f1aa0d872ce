"""Outgoing webhooks: queue change events, deliver them signed, on demand or in the background.

The vendor supplies a `WebhookFormat` (how events are batched into a body and
how a request is signed); the emitter owns delivery and the delivery faults
(drops, duplicates, reordering). A dropped delivery is never sent: its events
are kept in `dropped`, so a test can check that exactly those were missed. It
uses aiohttp as the simulator's own HTTP client: it never touches Interlink's
client pipeline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from interlink._clock import Clock
from interlink.simulators._counters import Counters
from interlink.simulators._faults import FaultInjector

__all__ = ["SentDelivery", "WebhookEmitter", "WebhookFormat"]

Event = Mapping[str, Any]


class WebhookFormat(Protocol):
    """A vendor's webhook wire format."""

    max_batch: int  # events per request (1 for vendors that send one event per request)

    def encode(self, events: Sequence[Event]) -> bytes: ...

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        """The headers that authenticate one delivery (signature, timestamp, content type)."""
        ...


# A format may also define `delivery_headers(events) -> dict[str, str]`: headers that
# describe the events of one delivery (Shopify's X-Shopify-Topic, X-Shopify-Webhook-Id).
# They are computed once per delivery, so a duplicated delivery repeats them, as a
# vendor's retry does. Optional, so formats without it need not change.
def _delivery_headers(fmt: WebhookFormat, events: Sequence[Event]) -> dict[str, str]:
    describe = getattr(fmt, "delivery_headers", None)
    return {} if describe is None else dict(describe(events))


@dataclass(frozen=True, slots=True)
class SentDelivery:
    """One delivery attempt, for tests to inspect."""

    url: str
    headers: Mapping[str, str]
    body: bytes
    status: int | None  # None when the request failed
    error: str | None = None


class WebhookEmitter:
    def __init__(
        self,
        fmt: WebhookFormat,
        clock: Clock,
        faults: FaultInjector,
        counters: Counters,
        url: str | None = None,
        *,
        auto_deliver: bool = True,
    ) -> None:
        self.format = fmt
        self.url = url
        self.auto_deliver = auto_deliver
        self.sent: list[SentDelivery] = []
        self.dropped: list[Event] = []  # events of deliveries a drop fault never sent
        self._clock, self._faults, self._counters = clock, faults, counters
        self._pending: list[Event] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        return len(self._pending)

    def emit(self, event: Event) -> None:
        """Queue one event; when a URL is set it is delivered soon in the background."""
        if self.url is None:
            return
        self._pending.append(event)
        if self.auto_deliver and self._task is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._task = loop.create_task(self._deliver_soon())

    async def _deliver_soon(self) -> None:
        await asyncio.sleep(0)  # let the handler that emitted finish its response first
        try:
            await self.flush(_from_task=True)
        finally:
            self._task = None

    async def flush(self, *, _from_task: bool = False) -> list[SentDelivery]:
        """Deliver everything queued; returns this flush's deliveries (in send order)."""
        task = self._task
        if task is not None and not _from_task:
            await asyncio.shield(task)
        async with self._lock:
            events, self._pending = self._pending, []
            if not events or self.url is None:
                return []
            size = max(1, self.format.max_batch)
            config = self._faults.config
            if config.webhook_reorder and len(events) > 1:
                # Reverse event order, across and within batches: strictly out of order.
                events = events[::-1]
                self._counters.faults["webhook_reorder"] += 1
            batches = [events[i : i + size] for i in range(0, len(events), size)]
            plan = [
                (self.format.encode(b), len(b), _delivery_headers(self.format, b)) for b in batches
            ]
            sent: list[SentDelivery] = []
            timeout = aiohttp.ClientTimeout(total=10)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                for batch, (body, count, extra) in zip(batches, plan, strict=True):
                    if self._faults.webhook_roll(config.webhook_drop_rate):
                        self._counters.faults["webhook_drop"] += 1
                        self.dropped.extend(batch)
                        continue
                    copies = 1
                    if self._faults.webhook_roll(config.webhook_duplicate_rate):
                        copies = 2
                        self._counters.faults["webhook_duplicate"] += 1
                    for _ in range(copies):
                        sent.append(await self._post(session, self.url, body, count, extra))
            self.sent.extend(sent)
            return sent

    async def _post(
        self,
        session: aiohttp.ClientSession,
        url: str,
        body: bytes,
        events: int,
        extra: Mapping[str, str],
    ) -> SentDelivery:
        headers = {**extra, **self.format.sign("POST", url, body, self._clock.time())}
        self._counters.webhook_deliveries += 1
        self._counters.webhook_events += events
        try:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                return SentDelivery(url, headers, body, response.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return SentDelivery(url, headers, body, None, f"{type(exc).__name__}: {exc}")

    async def aclose(self) -> None:
        """Wait for a background delivery in flight; drop what is still queued."""
        if self._task is not None:
            await asyncio.shield(self._task)
        self._pending.clear()
