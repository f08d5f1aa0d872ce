"""The durable inbox: events are stored before they are acknowledged, once per vendor id.

Synchronous SQLAlchemy Core on the store's engine (the intake calls it from a
worker thread). `accept` writes one delivery's events in one transaction with
`INSERT ... ON CONFLICT DO NOTHING` on the (provider, key) unique constraint,
so a redelivery, even racing the first, is recognised and stored once. The
processor `claim`s pending events with a lease: a process that dies
mid-event leaves it pending, and it is claimed again once the lease runs out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from interlink._clock import Clock, SystemClock
from interlink.store import Store
from interlink.store._base import new_id
from interlink.store._engine import WRITE, translate_errors
from interlink.webhooks._tables import inbox

__all__ = ["Accepted", "Delivery", "Inbox", "InboxEvent"]

PENDING, APPLIED, STALE, IGNORED, DEAD = "pending", "applied", "stale", "ignored", "dead"
DONE = (APPLIED, STALE, IGNORED)


@dataclass(frozen=True, slots=True)
class Accepted:
    """What one delivery added: events stored, and events already in the inbox."""

    stored: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """One verified request's events, as (de-duplication key, payload) pairs."""

    provider: str
    connection_id: str
    tenant_id: str | None
    headers: Mapping[str, str]
    events: Sequence[tuple[str, Any]]


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """One stored event and where its processing stands."""

    id: str
    tenant_id: str | None
    connection_id: str | None
    provider: str
    key: str
    payload: Any
    headers: dict[str, str]
    status: str
    attempts: int
    error: str | None
    received_at: datetime
    processed_at: datetime | None
    next_attempt_at: datetime | None


def to_event(row: Row[Any]) -> InboxEvent:
    return InboxEvent(
        row.id, row.tenant_id, row.connection_id, row.provider, row.event_id, row.payload,
        row.headers, row.status, row.attempts, row.error, row.received_at, row.processed_at,
        row.next_attempt_at,
    )  # fmt: skip


class Inbox:
    """The webhook inbox of one store."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None, lease: float = 60.0) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        self._clock: Clock = clock or SystemClock()
        self._lease = timedelta(seconds=lease)

    @classmethod
    def for_store(cls, store: Store, *, clock: Clock | None = None, lease: float = 60.0) -> Inbox:
        """The inbox on `store`'s database (and, by default, its clock)."""
        return cls(store._engine, clock=clock or store._clock, lease=lease)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    @contextmanager
    def write(self, doing: str) -> Iterator[Connection]:
        """One write transaction; a database failure is a `StoreError` saying what failed."""
        with translate_errors(self.engine.url, doing), self._writer.begin() as conn:
            yield conn

    @contextmanager
    def read(self, doing: str) -> Iterator[Connection]:
        with translate_errors(self.engine.url, doing), self.engine.connect() as conn:
            yield conn

    def accept(
        self,
        *,
        provider: str,
        connection_id: str,
        tenant_id: str | None,
        headers: Mapping[str, str],
        events: Sequence[tuple[str, Any]],
    ) -> Accepted:
        """Store (key, payload) events durably; keys already stored are counted, not stored."""
        return self.accept_many([Delivery(provider, connection_id, tenant_id, headers, events)])[0]

    def accept_many(self, deliveries: Sequence[Delivery]) -> list[Accepted]:
        """Several deliveries in one transaction (a group commit): one answer per delivery.

        One multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING` writes them all;
        a key returned was stored by its first occurrence in delivery order, every
        other occurrence (a redelivery, even within this batch) is a duplicate.
        """
        now = self.now()
        rows = [
            {
                "id": new_id("whe"),
                "tenant_id": d.tenant_id,
                "connection_id": d.connection_id,
                "provider": d.provider,
                "event_id": key,
                "headers": dict(d.headers),
                "payload": payload,
                "body": None,
                "status": PENDING,
                "attempts": 0,
                "received_at": now,
                "next_attempt_at": now,
            }
            for d in deliveries
            for key, payload in d.events
        ]
        inserted: set[tuple[str, str]] = set()
        if rows:
            with self.write("storing webhook deliveries") as conn:
                dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
                statement = (
                    dialect.insert(inbox)
                    .on_conflict_do_nothing(index_elements=["provider", "event_id"])
                    .returning(inbox.c.provider, inbox.c.event_id)
                )
                inserted = {(p, k) for p, k in conn.execute(statement, rows)}
        answers = []
        for d in deliveries:
            stored = 0
            for key, _ in d.events:
                if (d.provider, key) in inserted:
                    inserted.discard((d.provider, key))  # later copies are duplicates
                    stored += 1
            answers.append(Accepted(stored, len(d.events) - stored))
        return answers

    def claim(self, limit: int = 100) -> list[InboxEvent]:
        """Pending events due now, oldest first, each leased to this caller."""
        now = self.now()
        due = (
            select(inbox)
            .where(inbox.c.status == PENDING, inbox.c.next_attempt_at <= now)
            .order_by(inbox.c.received_at, inbox.c.id)
            .limit(limit)
        )
        claimed: list[InboxEvent] = []
        with self.write("claiming webhook events") as conn:
            for row in conn.execute(due).all():
                # Compare-and-set on the lease time: two processors never take the same event.
                taken = conn.execute(
                    update(inbox)
                    .where(
                        inbox.c.id == row.id,
                        inbox.c.status == PENDING,
                        inbox.c.next_attempt_at == row.next_attempt_at,
                    )
                    .values(next_attempt_at=now + self._lease, attempts=inbox.c.attempts + 1)
                ).rowcount
                if taken:
                    event = to_event(row)
                    claimed.append(InboxEvent(**{**_fields(event), "attempts": event.attempts + 1}))
        return claimed

    def finish(self, conn: Connection, event_id: str, status: str, note: str | None = None) -> None:
        """Close an event inside the caller's transaction (with the change it applied)."""
        conn.execute(
            update(inbox)
            .where(inbox.c.id == event_id)
            .values(status=status, error=note, processed_at=self.now(), next_attempt_at=None)
        )

    def retry_later(self, event_id: str, error: str, at: datetime) -> None:
        with self.write("scheduling a webhook retry") as conn:
            conn.execute(
                update(inbox).where(inbox.c.id == event_id).values(error=error, next_attempt_at=at)
            )

    def get(self, event_id: str) -> InboxEvent | None:
        with self.read("reading a webhook event") as conn:
            row = conn.execute(select(inbox).where(inbox.c.id == event_id)).first()
        return None if row is None else to_event(row)

    def events(self, *, status: str | None = None, connection_id: str | None = None,
             limit: int = 100) -> list[InboxEvent]:  # fmt: skip
        query = select(inbox).order_by(inbox.c.received_at, inbox.c.id).limit(limit)
        if status is not None:
            query = query.where(inbox.c.status == status)
        if connection_id is not None:
            query = query.where(inbox.c.connection_id == connection_id)
        with self.read("listing webhook events") as conn:
            return [to_event(row) for row in conn.execute(query)]

    def counts(self, *, connection_id: str | None = None) -> dict[str, int]:
        """Events per status."""
        query = select(inbox.c.status, func.count()).group_by(inbox.c.status)
        if connection_id is not None:
            query = query.where(inbox.c.connection_id == connection_id)
        with self.read("counting webhook events") as conn:
            return {status: int(n) for status, n in conn.execute(query)}

    def purge(self, retention: timedelta) -> int:
        """Forget finished events older than the retention window (their keys with them).

        An event goes once both its receipt and its processing are older than the window:
        a copy the vendor redelivers within the window of either is still recognised.
        Pending and dead events are never purged (they are not finished).
        """
        if retention <= timedelta(0):
            raise ValueError(f"the retention window must be positive, got {retention}")
        cutoff = self.now() - retention
        with self.write("purging the webhook inbox") as conn:
            return conn.execute(
                delete(inbox).where(
                    inbox.c.status.in_(DONE),
                    inbox.c.received_at < cutoff,
                    inbox.c.processed_at < cutoff,
                )
            ).rowcount


def _fields(event: InboxEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in InboxEvent.__dataclass_fields__}
