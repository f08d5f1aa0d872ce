"""The synchronous façade for scripts: the async connection, driven from a private loop thread.

One copy of the logic: every call of `SyncConnection` runs the `Connection`
coroutine on an event loop that lives in its own thread for the connection's
lifetime. A loop per call (`asyncio.run`) would not do: the transport's
connection pool, the rate limiter's locks and the breaker belong to one loop
and must survive between calls. Iterating `list` pulls one record at a time
from the async iterator, so a large listing never sits in memory.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from datetime import datetime
from typing import Any, TypeVar

from interlink.client._connect import connect
from interlink.client._connection import Connection, OnError
from interlink.http import Response
from interlink.models import UnifiedRecord

__all__ = ["SyncConnection", "connect_sync"]

T = TypeVar("T")


class _LoopThread:
    """An event loop running forever in a daemon thread, until `close`."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="interlink-sync", daemon=True
        )
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class SyncConnection:
    """`Connection`'s methods, blocking. Use as a context manager, or call `close()`."""

    def __init__(self, open_: Callable[[], Connection]) -> None:
        self._thread = _LoopThread()

        async def build() -> Connection:
            return open_()

        try:
            self.connection = self._thread.run(build())
        except BaseException:
            self._thread.close()
            raise

    def __enter__(self) -> SyncConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection's transport and stop its loop thread."""
        if not self._thread.loop.is_closed():
            try:
                self._thread.run(self.connection.aclose())
            finally:
                self._thread.close()

    def list(
        self,
        name: str,
        *,
        modified_after: datetime | None = None,
        deleted: bool = False,
        on_error: OnError | None = None,
    ) -> Iterator[UnifiedRecord]:
        records = self.connection.list(
            name, modified_after=modified_after, deleted=deleted, on_error=on_error
        )
        return self._iterate(records)

    def _iterate(self, records: AsyncIterator[UnifiedRecord]) -> Iterator[UnifiedRecord]:
        try:
            while True:
                try:
                    yield self._thread.run(anext(records))  # type: ignore[arg-type]
                except StopAsyncIteration:
                    return
        finally:
            if not self._thread.loop.is_closed():
                self._thread.run(records.aclose())  # type: ignore[attr-defined]

    def get(self, name: str, remote_id: str) -> UnifiedRecord:
        return self._thread.run(self.connection.get(name, remote_id))

    def create(
        self,
        name: str,
        values: Mapping[str, Any] | UnifiedRecord,
        *,
        idempotency_key: str | None = None,
    ) -> UnifiedRecord:
        return self._thread.run(
            self.connection.create(name, values, idempotency_key=idempotency_key)
        )

    def update(
        self, name: str, remote_id: str, values: Mapping[str, Any] | UnifiedRecord
    ) -> UnifiedRecord:
        return self._thread.run(self.connection.update(name, remote_id, values))

    def delete(self, name: str, remote_id: str) -> None:
        self._thread.run(self.connection.delete(name, remote_id))

    def request(self, method: str, path: str, **kw: Any) -> Response:
        return self._thread.run(self.connection.request(method, path, **kw))


def connect_sync(provider: Any, **options: Any) -> SyncConnection:
    """`connect(...)` for scripts: the same arguments, blocking methods. See `connect`."""
    return SyncConnection(lambda: connect(provider, **options))
