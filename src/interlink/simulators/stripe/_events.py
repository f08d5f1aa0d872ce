"""Stripe's Events API: the incremental feed, since lists have no "updated since" filter.

Every change through the simulator appends an Event (`customer.created`,
`customer.updated` with `previous_attributes`, `customer.deleted`). `GET
/v1/events` lists them newest first with `type` (exact, or a `customer.*`
wildcard), `types[]`, `created[gt|gte|lt|lte]` and Stripe's cursors. Events
are kept 30 days, as Stripe documents; older ones disappear from the list and
404 on retrieval.
"""

from __future__ import annotations

import bisect
import fnmatch
from dataclasses import dataclass, field
from typing import Any

from interlink.simulators.stripe._ids import IdCodec

__all__ = ["EVENT_IDS", "RETENTION", "EventLog", "EventQuery"]

EVENT_IDS = IdCodec("evt_", 24)
RETENTION = 30 * 86_400.0


@dataclass(frozen=True, slots=True)
class EventQuery:
    types: tuple[str, ...] = ()  # exact names or wildcards ("customer.*"); empty: all
    created_since: float | None = None  # inclusive, epoch seconds
    created_before: float | None = None  # exclusive

    def matches(self, event: dict[str, Any]) -> bool:
        if self.types and not any(fnmatch.fnmatchcase(event["type"], t) for t in self.types):
            return False
        created = event["created"]
        if self.created_since is not None and created < self.created_since:
            return False
        return self.created_before is None or created < self.created_before


@dataclass(slots=True)
class EventLog:
    _events: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    _numbers: list[int] = field(default_factory=list)
    _next: int = 1

    def append(self, body: dict[str, Any]) -> dict[str, Any]:
        """Stamp `body` with an id and keep it; returns the event."""
        event = {"id": EVENT_IDS.encode(self._next), **body}
        self._events.append(event)
        self._numbers.append(self._next)
        self._next += 1
        return event

    def _expire(self, now: float) -> None:
        cut = 0
        while cut < len(self._events) and self._events[cut]["created"] < now - RETENTION:
            cut += 1
        if cut:
            del self._events[:cut], self._numbers[:cut]

    def get(self, event_id: str, now: float) -> dict[str, Any] | None:
        self._expire(now)
        number = EVENT_IDS.decode(event_id)
        k = bisect.bisect_left(self._numbers, number) if number is not None else -1
        if 0 <= k < len(self._numbers) and self._numbers[k] == number:
            return self._events[k]
        return None

    def number(self, event_id: str) -> int | None:
        """The sequence number behind an event id we issued (even if expired since)."""
        number = EVENT_IDS.decode(event_id)
        return number if number is not None and 1 <= number < self._next else None

    def page(
        self,
        query: EventQuery,
        now: float,
        limit: int,
        *,
        after: int | None = None,
        before: int | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Newest first: after=N (older than event N) or before=N (newer than it)."""
        self._expire(now)
        chosen = [
            e
            for n, e in zip(self._numbers, self._events, strict=True)
            if query.matches(e) and (after is None or n < after) and (before is None or n > before)
        ]
        if before is not None:  # the page adjacent to the cursor, still newest first
            return chosen[:limit][::-1], len(chosen) > limit
        newest_first = chosen[::-1]
        return newest_first[:limit], len(newest_first) > limit

    def clear(self) -> None:
        self._events.clear()
        self._numbers.clear()
        self._next = 1
