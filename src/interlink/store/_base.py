"""What every part of the store shares: one Engine, the clock, ids and transactions.

Each public method opens its own transaction (`_read` or `_write`), so a
`Store` is safe to share between threads; database failures leave as
`StoreError` naming the redacted URL.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL

from interlink._clock import Clock, SystemClock
from interlink.store._engine import WRITE, translate_errors

__all__ = ["StoreBase", "new_id"]

_counter = itertools.count()
_process_tag = os.urandom(3).hex()


def new_id(prefix: str) -> str:
    """A unique id that sorts by creation time: `prefix_` + time, process tag, counter.

    Runs are listed newest first by (started_at, id); ids that grow with time
    keep that order stable when two runs start in the same microsecond.
    """
    # time_ns as 15 hex digits lasts until the year 3000; the counter breaks ties.
    return f"{prefix}_{time.time_ns():015x}{_process_tag}{next(_counter) % 0x10000:04x}"


class StoreBase:
    """The engine, the clock and the transaction helpers the store's parts build on."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        self._clock: Clock = clock or SystemClock()

    @property
    def url(self) -> URL:
        """The database URL (render it with `describe` before showing it)."""
        return self._engine.url

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self._engine.dialect.name

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    @contextmanager
    def _read(self, doing: str) -> Iterator[Connection]:
        with translate_errors(self._engine.url, doing), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self, doing: str) -> Iterator[Connection]:
        with translate_errors(self._engine.url, doing), self._writer.begin() as conn:
            yield conn
