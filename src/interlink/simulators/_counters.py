"""What the vendor saw: counters a test reads to assert from the vendor's side.

"No duplicates" is `counters.duplicate_creates() == {}`; "no 429s" is
`counters.rate_limited == 0`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Counters"]


@dataclass(slots=True)
class Counters:
    """Mutable tallies, reset by `reset()` or `POST /_sim/reset`.

    `requests` is keyed by (route, status), where route is the method and the
    route template, e.g. ("GET /crm/v3/objects/{object_type}", 200).
    """

    requests: Counter[tuple[str, int]] = field(default_factory=Counter)
    rate_limited: int = 0
    token_requests: int = 0
    created_by_idempotency_key: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)  # by resource
    faults: Counter[str] = field(default_factory=Counter)  # injected, by kind
    webhook_deliveries: int = 0
    webhook_events: int = 0

    def record_request(self, route: str, status: int) -> None:
        self.requests[(route, status)] += 1
        if status == 429:
            self.rate_limited += 1

    def record_create(self, resource: str, idempotency_key: str | None) -> None:
        self.created[resource] += 1
        if idempotency_key:
            self.created_by_idempotency_key[idempotency_key] += 1

    def duplicate_creates(self) -> dict[str, int]:
        """Idempotency keys that created more than one record, with how many."""
        return {k: n for k, n in self.created_by_idempotency_key.items() if n > 1}

    def count(self, route: str | None = None, status: int | None = None) -> int:
        """Requests matching a route and/or a status (None matches any)."""
        return sum(
            n
            for (r, s), n in self.requests.items()
            if (route is None or r == route) and (status is None or s == status)
        )

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def reset(self) -> None:
        self.requests.clear()
        self.rate_limited = self.token_requests = 0
        self.created_by_idempotency_key.clear()
        self.created.clear()
        self.faults.clear()
        self.webhook_deliveries = self.webhook_events = 0

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy (what `GET /_sim/counters` returns)."""
        return {
            "requests": [
                {"route": r, "status": s, "count": n} for (r, s), n in sorted(self.requests.items())
            ],
            "total_requests": self.total_requests,
            "rate_limited": self.rate_limited,
            "token_requests": self.token_requests,
            "created": dict(self.created),
            "created_by_idempotency_key": dict(self.created_by_idempotency_key),
            "duplicate_creates": self.duplicate_creates(),
            "faults": dict(self.faults),
            "webhook_deliveries": self.webhook_deliveries,
            "webhook_events": self.webhook_events,
        }
