"""Group commit: concurrent deliveries share one inbox transaction, each still durable first.

Every request waits for the commit that holds its events before it answers,
exactly as with one transaction per request; while one commit runs, the next
requests queue and go together in the following one. Under load the cost of a
transaction (and of the hop to the database thread) is paid once per batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from interlink.webhooks._inbox import Accepted, Delivery, Inbox

__all__ = ["GroupCommit"]


class GroupCommit:
    """Queues deliveries and writes them in batches of at most `max_batch`."""

    def __init__(self, inbox: Inbox, run: Callable[..., Any], *, max_batch: int = 256) -> None:
        self._inbox = inbox
        self._run = run  # awaits a callable on the database thread
        self._max = max_batch
        self._queue: list[tuple[Delivery, asyncio.Future[Accepted]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def accept(self, delivery: Delivery) -> Accepted:
        future: asyncio.Future[Accepted] = asyncio.get_running_loop().create_future()
        self._queue.append((delivery, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await asyncio.shield(future)  # a cancelled request must not cancel the batch

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self._max], self._queue[self._max :]
            try:
                answers = await self._run(self._inbox.accept_many, [d for d, _ in batch])
            except Exception as exc:  # the store failed: every delivery of the batch is refused
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), answer in zip(batch, answers, strict=True):
                if not future.done():
                    future.set_result(answer)
