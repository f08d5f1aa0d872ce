"""Idempotency keys: a retried POST replays its first answer instead of writing twice.

The key is claimed by inserting its row (tenant, key) *before* the vendor is
called, so of two concurrent requests with one key exactly one inserts and
executes. The other finds the row `in_progress` and is answered 409 at once
(with `Retry-After`): waiting inside the request would hold a worker for as
long as the vendor takes, and a client retrying after a 409 gets the replay.
A finished row replays its status and body while the same body comes; a
different body under the same key is the caller's bug (422). Rows are kept
for `ttl` (24 hours by default) and purged after.

A claim still `in_progress` after `abandoned_after` (10 minutes, far past
any request's retries and timeouts) belongs to a request whose server stopped
during it: whether the vendor applied the write is unknown, so the key is not
handed to a retry (which could write a second time) but answered `abandoned`,
for the caller to check and decide, instead of "retry shortly" for a day.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from interlink.store import Store
from interlink.store._tables import idempotency_keys

__all__ = ["Claim", "IdempotencyKeys", "request_hash"]

KEEP = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=10)


def request_hash(method: str, path: str, query: str, body: Any) -> str:
    """What makes two requests "the same": method, path, query and the body's JSON value."""
    canonical = orjson.dumps([method, path, query, body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True, slots=True)
class Claim:
    """What a claim found: `claimed` (execute now), `replay`, `mismatch`, `in_progress`, or
    `abandoned` (in progress since `since`, longer than any request runs)."""

    outcome: Literal["claimed", "replay", "mismatch", "in_progress", "abandoned"]
    status: int | None = None
    body: Any = None
    since: datetime | None = None


class IdempotencyKeys:
    """The `idempotency_keys` table (synchronous: call it on the store's worker)."""

    def __init__(
        self,
        store: Store,
        *,
        ttl: timedelta = KEEP,
        abandoned_after: timedelta = ABANDONED_AFTER,
    ) -> None:
        if ttl < KEEP:
            raise ValueError(f"idempotency keys must be kept at least 24 h, got {ttl}")
        self._store, self._ttl, self._abandoned_after = store, ttl, abandoned_after
        self._next_purge: datetime | None = None

    def claim(self, tenant_id: str, key: str, fingerprint: str) -> Claim:
        now = self._store._now()
        self._purge(now)
        where = (idempotency_keys.c.tenant_id == tenant_id, idempotency_keys.c.key == key)
        with self._store._write("claim an idempotency key") as conn:
            conn.execute(
                delete(idempotency_keys).where(*where, idempotency_keys.c.expires_at < now)
            )
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            inserted = conn.execute(
                dialect.insert(idempotency_keys)
                .values(
                    tenant_id=tenant_id,
                    key=key,
                    request_hash=fingerprint,
                    status="in_progress",
                    created_at=now,
                    expires_at=now + self._ttl,
                )
                .on_conflict_do_nothing(index_elements=["tenant_id", "key"])
                .returning(idempotency_keys.c.key)
            ).first()
            if inserted is not None:  # RETURNING, not rowcount: psycopg reports -1 here
                return Claim("claimed")
            # Another request holds the key (on PostgreSQL the insert waited for its commit).
            row = conn.execute(select(idempotency_keys).where(*where)).first()
        if row is None:  # pragma: no cover - inserted then deleted within one instant
            return Claim("in_progress")
        if row.request_hash != fingerprint:
            return Claim("mismatch")
        if row.status != "done":
            if now - row.created_at > self._abandoned_after:
                return Claim("abandoned", since=row.created_at)
            return Claim("in_progress")
        return Claim("replay", row.response_status, row.response)

    def complete(self, tenant_id: str, key: str, status: int, body: Any) -> None:
        """Record the answer to replay."""
        with self._store._write("finish an idempotency key") as conn:
            conn.execute(
                update(idempotency_keys)
                .where(idempotency_keys.c.tenant_id == tenant_id, idempotency_keys.c.key == key)
                .values(status="done", response_status=status, response=body)
            )

    def release(self, tenant_id: str, key: str) -> None:
        """Forget a claim whose outcome is unknown, so the client may retry with the key."""
        with self._store._write("release an idempotency key") as conn:
            conn.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.tenant_id == tenant_id, idempotency_keys.c.key == key
                )
            )

    def _purge(self, now: datetime) -> None:
        if self._next_purge is not None and now < self._next_purge:
            return
        self._next_purge = now + timedelta(minutes=5)
        with self._store._write("purge idempotency keys") as conn:
            conn.execute(delete(idempotency_keys).where(idempotency_keys.c.expires_at < now))
