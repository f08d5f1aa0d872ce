"""Reading outbound deliveries and their attempts, for the CLI and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from interlink.store._engine import translate_errors
from interlink.webhooks._outbound_tables import attempts, deliveries

__all__ = ["Attempt", "OutboundDelivery", "list_attempts", "list_deliveries"]


@dataclass(frozen=True, slots=True)
class OutboundDelivery:
    """One change for one subscription: delivered, pending (with its next attempt), or failed."""

    id: str
    subscription_id: str
    seq: int
    event_id: str
    record_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try: the endpoint's status (None: no answer), the error, how long it took."""

    attempt: int
    at: datetime
    status: int | None
    error: str | None
    duration_ms: int


def list_deliveries(
    engine: Engine,
    *,
    subscription_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[OutboundDelivery]:
    """Deliveries, newest change first."""
    query = select(deliveries).order_by(deliveries.c.seq.desc()).limit(limit)
    if subscription_id is not None:
        query = query.where(deliveries.c.subscription_id == subscription_id)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    with translate_errors(engine.url, "listing deliveries"), engine.connect() as conn:
        return [
            OutboundDelivery(
                r.id,
                r.subscription_id,
                int(r.seq),
                r.event_id,
                r.record_id,
                r.status,
                r.attempts,
                r.next_attempt_at,
                r.last_status,
                r.last_error,
                r.created_at,
                r.delivered_at,
            )
            for r in conn.execute(query)
        ]


def list_attempts(engine: Engine, delivery_id: str) -> list[Attempt]:
    """Every attempt of one delivery, in order."""
    query = (
        select(attempts).where(attempts.c.delivery_id == delivery_id).order_by(attempts.c.attempt)
    )
    with translate_errors(engine.url, "listing attempts"), engine.connect() as conn:
        return [
            Attempt(r.attempt, r.at, r.status, r.error, r.duration_ms) for r in conn.execute(query)
        ]
