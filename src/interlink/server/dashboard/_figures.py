"""The dashboard's figures, read from the store (and the breaker state, when shared).

Every number is what the store says at the time of the request: records are
`count_records`, runs are `list_runs`, drift is `list_drift`, missed webhooks
are `interlink.webhooks.missed_webhooks`, dead letters are the tenant's buried
letters. Error rate and 429s cover the connection's last `RECENT` runs.
Nothing here reads a credential.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from interlink.breaker import BreakerStore, CircuitBreaker
from interlink.store import AsyncStore, ConnectionRow, SyncRun
from interlink.webhooks import DeadLetter, DeadLetters, Inbox, missed_webhooks

__all__ = ["RECENT", "ConnectionFigures", "Overview", "overview"]

RECENT = 50
"""How many of a connection's latest runs its error rate and 429s are counted over."""


@dataclass(frozen=True, slots=True)
class ConnectionFigures:
    """One connection's line on the dashboard."""

    connection: ConnectionRow
    health: str
    last_sync: SyncRun | None
    records: int
    runs: int
    failed_runs: int
    absorbed_429s: int
    breaker: str
    drift: int
    missed_webhooks: int | None
    """None: the connection never received a webhook, so none can have been missed."""

    @property
    def error_rate(self) -> float:
        return self.failed_runs / self.runs if self.runs else 0.0


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the dashboard shows for one tenant."""

    connections: list[ConnectionFigures]
    runs: list[SyncRun]
    dead_letters: list[DeadLetter]
    at: datetime


def _health(last: SyncRun | None, breaker: str, failed: int, finished: int) -> str:
    if breaker == "open" or (last is not None and last.outcome == "failed"):
        return "failing"
    if last is None:
        return "not synced"
    if breaker == "half_open" or failed:
        return "degraded"
    return "healthy"


async def overview(
    store: AsyncStore,
    tenant_id: str,
    *,
    breakers: BreakerStore | None,
    now: datetime,
    runs: int = 20,
    letters: int = 100,
) -> Overview:
    """The tenant's figures."""
    rows = await store.list_connections(tenant_id=tenant_id)
    missed: dict[str, int] = {}  # no key: the connection never received a webhook
    for entry in await store.call(missed_webhooks, store.store, [row.id for row in rows]):
        missed[entry.connection_id] = missed.get(entry.connection_id, 0) + entry.total
    lines = []
    for row in rows:
        recent = await store.list_runs(connection_id=row.id, limit=RECENT)
        finished = [r for r in recent if r.outcome in ("succeeded", "failed")]
        failed = sum(1 for r in finished if r.outcome == "failed")
        breaker = "unknown"
        if breakers is not None:
            breaker = str(await CircuitBreaker(row.provider, row.id, store=breakers).state())
        last = finished[0] if finished else None
        lines.append(
            ConnectionFigures(
                row,
                _health(last, breaker, failed, len(finished)),
                last,
                await store.count_records(connection_id=row.id),
                len(finished),
                failed,
                sum(r.stats.absorbed_429s for r in recent),
                breaker,
                len(await store.list_drift(row.id)),
                missed.get(row.id),
            )
        )
    dead = DeadLetters(Inbox.for_store(store.store))
    buried = await store.call(dead.letters, limit=100_000)
    return Overview(
        lines,
        await store.list_runs(tenant_id=tenant_id, limit=runs),
        [letter for letter in buried if letter.tenant_id == tenant_id][:letters],
        now,
    )
