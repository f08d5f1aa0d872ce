"""Query results in batches: `totalSize`, `done`, `nextRecordsUrl` and the query locator.

A query runs once and hands back a locator (`01g...`) whose
`nextRecordsUrl` (`/services/data/v59.0/query/01g...-2000`) fetches the next
batch. Salesforce serves the batches of a cursor from the result of the
original query, so a record changed mid-walk is neither skipped nor shifted.
We get the same guarantee lazily, without materialising the result: the
cursor freezes the query's time (records modified later fall outside it, to
be picked up by the next incremental query) and remembers, for each batch it
handed out, the sort key it started after. Every batch offset issued stays
valid, so a client may retry a batch that failed in transit. Locators expire
after 15 minutes without use (`INVALID_QUERY_LOCATOR`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from interlink.simulators._store import Collection, OrderedView
from interlink.simulators.salesforce._soql import Soql

__all__ = ["Cursor", "CursorStore", "Key"]

LOCATOR_IDLE_TIMEOUT = 15 * 60.0
MAX_OPEN_CURSORS = 10_000  # oldest dropped beyond this (a real org caps open cursors too)
_MS = 0.001

Key = tuple[float, int]  # (modified time, record number): the sort key of a record


@dataclass(slots=True)
class Cursor:
    """One query's state; mutable because using a locator refreshes it."""

    locator: str
    query: Soql
    include_deleted: bool
    frozen_at: float  # records modified at or after this are outside the result
    total: int
    last_used: float
    starts: dict[int, Key | None] = field(default_factory=dict)  # batch offset -> key before it


def _view(collection: Collection, cursor: Cursor, after: Key | None) -> OrderedView:
    """The rest of the result after `after`, ascending (may still start with a few <= after)."""
    q = cursor.query
    high = cursor.frozen_at if q.high is None else min(q.high, cursor.frozen_at)
    if q.order_by_id:
        low_id, high_id = (0, None) if after is None else (
            (after[1] + 1, None) if not q.descending else (0, after[1])
        )  # fmt: skip
        return collection.by_id(low_id, high_id, modified=(q.low, high))
    low = q.low
    if after is not None and not q.descending:
        low = after[0] if low is None else max(low, after[0])
    if after is not None and q.descending:
        high = min(high, round(after[0] + _MS, 3))
    return collection.by_modified(low, high, include_archived=cursor.include_deleted)


def key_of(collection: Collection, ref: int) -> Key:
    index = collection.pristine_index(ref)
    if index is not None:
        return (collection.dataset.modified_at(index), collection.first_id + index)
    record = collection.resolve(ref)
    return (record.modified_at, record.id)


def total(collection: Collection, query: Soql, include_deleted: bool, now: float) -> int:
    probe = Cursor("", query, include_deleted, round(now + _MS, 3), 0, now)
    count = len(_view(collection, probe, None))
    return count if query.limit is None else min(count, query.limit)


def batch(collection: Collection, cursor: Cursor, after: Key | None, take: int) -> list[int]:
    """Up to `take` refs of the result after `after`, in the query's order."""
    q = cursor.query
    view = _view(collection, cursor, after)
    n = len(view)

    def beyond(ref: int) -> bool:
        if after is None:
            return True
        key = key_of(collection, ref)
        if q.order_by_id:
            return key[1] < after[1] if q.descending else key[1] > after[1]
        return key < after if q.descending else key > after

    if not q.descending:
        skip = 0
        while skip < n and not beyond(view.refs(skip, 1)[0]):
            skip += 1
        return view.refs(skip, take)
    end = n
    while end > 0 and not beyond(view.refs(end - 1, 1)[0]):
        end -= 1
    start = max(0, end - take)
    return view.refs(start, end - start)[::-1]


class CursorStore:
    """Open query locators, expiring after 15 idle minutes."""

    __slots__ = ("_cursors", "_numbers")

    def __init__(self) -> None:
        self._cursors: dict[str, Cursor] = {}
        self._numbers = itertools.count(1)

    def open(self, cursor: Cursor) -> Cursor:
        """Keep a cursor under its locator (made from `next_number`)."""
        if len(self._cursors) >= MAX_OPEN_CURSORS:
            self._cursors.pop(next(iter(self._cursors)))
        self._cursors[cursor.locator] = cursor
        return cursor

    def next_number(self) -> int:
        return next(self._numbers)

    def get(self, locator: str, now: float) -> Cursor | None:
        cursor = self._cursors.get(locator)
        if cursor is None:
            return None
        if now - cursor.last_used > LOCATOR_IDLE_TIMEOUT:
            del self._cursors[locator]
            return None
        cursor.last_used = now
        return cursor

    def close(self, locator: str) -> None:
        self._cursors.pop(locator, None)

    def clear(self) -> None:
        self._cursors.clear()
