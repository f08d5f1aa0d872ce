"""Dead letters: events that failed every retry, kept whole until someone replays them.

A dead letter holds the event as received and the last error. Replaying puts
the event back in the inbox as pending with fresh attempts, in the same
transaction that marks the letter `replayed`, so a replay is never lost or
doubled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update

from interlink.store._base import new_id
from interlink.webhooks._inbox import DEAD, PENDING, Inbox, InboxEvent
from interlink.webhooks._tables import dead_letters, inbox

__all__ = ["DeadLetter", "DeadLetters"]

SOURCE = "webhook"
BURIED, REPLAYED = "dead", "replayed"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One event that processing gave up on."""

    id: str
    inbox_id: str
    tenant_id: str | None
    connection_id: str | None
    provider: str
    key: str
    event: Any
    error: str
    attempts: int
    status: str
    created_at: datetime
    updated_at: datetime


def _letter(row: Row[Any]) -> DeadLetter:
    payload = row.payload
    return DeadLetter(
        row.id,
        payload["inbox_id"],
        row.tenant_id,
        row.connection_id,
        payload["provider"],
        payload["key"],
        payload["event"],
        row.error,
        row.attempts,
        row.status,
        row.created_at,
        row.updated_at,
    )


class DeadLetters:
    """The webhook dead-letter queue, on the inbox's store."""

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox

    def bury(self, event: InboxEvent, error: str) -> str:
        """Move `event` out of the inbox's way, into the queue; returns the letter's id."""
        now = self._inbox.now()
        letter = new_id("dlq")
        with self._inbox.write("moving a webhook event to the dead-letter queue") as conn:
            conn.execute(
                insert(dead_letters).values(
                    id=letter,
                    tenant_id=event.tenant_id,
                    connection_id=event.connection_id,
                    source=SOURCE,
                    payload={
                        "inbox_id": event.id,
                        "provider": event.provider,
                        "key": event.key,
                        "event": event.payload,
                    },
                    error=error,
                    attempts=event.attempts,
                    status=BURIED,
                    created_at=now,
                    updated_at=now,
                )
            )
            self._inbox.finish(conn, event.id, DEAD, error)
        return letter

    def letters(self, *, status: str | None = BURIED, limit: int = 100) -> list[DeadLetter]:
        query = (
            select(dead_letters)
            .where(dead_letters.c.source == SOURCE)
            .order_by(dead_letters.c.created_at, dead_letters.c.id)
            .limit(limit)
        )
        if status is not None:
            query = query.where(dead_letters.c.status == status)
        with self._inbox.read("listing dead letters") as conn:
            return [_letter(row) for row in conn.execute(query)]

    def get(self, letter_id: str) -> DeadLetter | None:
        query = select(dead_letters).where(
            dead_letters.c.id == letter_id, dead_letters.c.source == SOURCE
        )
        with self._inbox.read("reading a dead letter") as conn:
            row = conn.execute(query).first()
        return None if row is None else _letter(row)

    def replay(self, letter_id: str) -> bool:
        """Put the letter's event back in the inbox; False when there is no such buried letter."""
        return self._replay([letter_id]) == 1

    def replay_all(self) -> int:
        """Replay every buried letter; returns how many."""
        return self._replay([letter.id for letter in self.letters(limit=1_000_000)])

    def _replay(self, ids: list[str]) -> int:
        now = self._inbox.now()
        done = 0
        with self._inbox.write("replaying dead letters") as conn:
            for letter_id in ids:
                row = conn.execute(
                    select(dead_letters).where(
                        dead_letters.c.id == letter_id,
                        dead_letters.c.source == SOURCE,
                        dead_letters.c.status == BURIED,
                    )
                ).first()
                if row is None:
                    continue
                conn.execute(
                    update(inbox)
                    .where(inbox.c.id == row.payload["inbox_id"])
                    .values(
                        status=PENDING,
                        attempts=0,
                        error=None,
                        processed_at=None,
                        next_attempt_at=now,
                    )
                )
                conn.execute(
                    update(dead_letters)
                    .where(dead_letters.c.id == letter_id)
                    .values(status=REPLAYED, updated_at=now)
                )
                done += 1
        return done
