"""Tenant API keys: created once and shown once, stored as a SHA-256 digest, revocable.

A key reads `ilk_<prefix>_<secret>`: `prefix` (12 hex characters) is stored in
clear and indexed, so a lookup finds the one candidate row without scanning;
the whole key's digest is then compared with `hmac.compare_digest`, so the
time taken does not reveal how much of a guess was right.

Why SHA-256 and not bcrypt/argon2: those are slow on purpose to protect
low-entropy passwords from offline guessing. These keys are 256 random bits
(`secrets.token_urlsafe(32)`): no amount of hashing speed makes guessing one
feasible, and a slow hash would cost milliseconds on every API request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from interlink._errors import StoreError
from interlink.store import Store
from interlink.store._base import new_id
from interlink.store._tables import api_keys, tenants

__all__ = ["ApiKey", "ApiKeys", "IssuedKey"]

_PREFIX_BYTES = 6  # 12 hex characters: collisions are harmless (every candidate is checked)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key, without its secret."""

    id: str
    tenant_id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key just created: `secret` is the only copy there will ever be."""

    key: ApiKey
    secret: str

    def __repr__(self) -> str:
        return f"IssuedKey({self.key.id!r}, secret=[redacted])"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _row(row: object) -> ApiKey:
    return ApiKey(
        row.id,  # type: ignore[attr-defined]
        row.tenant_id,  # type: ignore[attr-defined]
        row.name,  # type: ignore[attr-defined]
        row.prefix,  # type: ignore[attr-defined]
        row.created_at,  # type: ignore[attr-defined]
        row.last_used_at,  # type: ignore[attr-defined]
        row.revoked_at,  # type: ignore[attr-defined]
    )


class ApiKeys:
    """API keys in the store's `api_keys` table (synchronous; async code calls it off-loop)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def create(self, tenant_id: str, name: str = "") -> IssuedKey:
        """A new key for `tenant_id`; a StoreError names an unknown tenant."""
        prefix = secrets.token_hex(_PREFIX_BYTES)
        secret = f"ilk_{prefix}_{secrets.token_urlsafe(32)}"
        now = self._store._now()
        key = ApiKey(new_id("key"), tenant_id, name, prefix, now)
        with self._store._write("create an API key") as conn:
            exists = conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first()
            if exists is None:
                raise StoreError(f"no tenant {tenant_id!r}")
            conn.execute(
                insert(api_keys).values(
                    id=key.id,
                    tenant_id=tenant_id,
                    name=name,
                    prefix=prefix,
                    key_hash=digest(secret),
                    scopes=[],
                    created_at=now,
                )
            )
        return IssuedKey(key, secret)

    def revoke(self, key_id: str) -> ApiKey | None:
        """Revoke a key (idempotent); None when there is no such key."""
        now = self._store._now()
        with self._store._write("revoke an API key") as conn:
            conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        return None if row is None else _row(row)

    def list(self, tenant_id: str | None = None) -> list[ApiKey]:
        """Every key (of one tenant), oldest first."""
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        if tenant_id is not None:
            query = query.where(api_keys.c.tenant_id == tenant_id)
        with self._store._read("list API keys") as conn:
            return [_row(row) for row in conn.execute(query)]

    def verify(self, secret: str) -> ApiKey | None:
        """The live key `secret` is, or None (malformed, unknown, revoked)."""
        parts = secret.split("_")
        if len(parts) < 3 or parts[0] != "ilk" or len(parts[1]) != 2 * _PREFIX_BYTES:
            return None
        wanted = digest(secret)
        query = select(api_keys).where(api_keys.c.prefix == parts[1])
        with self._store._read("check an API key") as conn:
            candidates = conn.execute(query).all()
        found = None
        for row in candidates:  # compare every candidate: no early exit on a match
            if hmac.compare_digest(row.key_hash, wanted) and row.revoked_at is None:
                found = row
        return None if found is None else _row(found)
