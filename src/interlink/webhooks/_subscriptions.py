"""Tenants' webhook subscriptions: where change events go, signed with a secret kept sealed.

A subscription is an HTTPS (or loopback HTTP) endpoint of one tenant, with an
optional list of unified models it wants (empty: all). Its Standard Webhooks
secret (`whsec_` + base64 of 32 random bytes) is shown once, when it is
created, and stored sealed by the vault's cipher, never in plaintext.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, Row, delete, insert, select

from interlink._clock import Clock, SystemClock
from interlink._errors import ConfigError
from interlink.auth import Cipher
from interlink.store._base import new_id
from interlink.store._engine import WRITE, translate_errors
from interlink.webhooks._outbound_tables import subscriptions

if TYPE_CHECKING:
    from interlink.vault import Vault

__all__ = ["SECRET_PURPOSE", "Subscription", "Subscriptions"]

SECRET_PURPOSE = "webhook-subscriptions"
"""The vault cipher purpose subscription secrets are sealed for."""

ACTIVE, DISABLED = "active", "disabled"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True, slots=True)
class Subscription:
    """One endpoint of one tenant, and how its deliveries stand."""

    id: str
    tenant_id: str
    url: str
    models: tuple[str, ...]
    status: str
    disabled_reason: str | None
    last_seq: int
    failures: int
    paused_until: datetime | None
    created_at: datetime

    def wants(self, model: str) -> bool:
        return not self.models or model in self.models


def to_subscription(row: Row[Any]) -> Subscription:
    return Subscription(
        row.id, row.tenant_id, row.url, tuple(row.models), row.status, row.disabled_reason,
        int(row.last_seq), int(row.failures), row.paused_until, row.created_at,
    )  # fmt: skip


def check_url(url: str) -> str:
    """An https URL, or http to loopback (development); anything else is a ConfigError."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return url
    raise ConfigError("subscription.url", f"must be an https:// URL (http only to loopback), "
                      f"got {url!r}")  # fmt: skip


class Subscriptions:
    """Create, read and remove subscriptions on the store's database."""

    def __init__(self, engine: Engine, cipher: Cipher, *, clock: Clock | None = None) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        self._cipher = cipher
        self._clock: Clock = clock or SystemClock()

    @classmethod
    def for_vault(
        cls, engine: Engine, vault: Vault, *, clock: Clock | None = None
    ) -> Subscriptions:
        """Subscriptions whose secrets `vault` seals (what every command and the server use)."""
        return cls(engine, vault.cipher(SECRET_PURPOSE), clock=clock)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def add(
        self, tenant_id: str, url: str, *, models: Sequence[str] = ()
    ) -> tuple[Subscription, str]:
        """A new active subscription and its secret (shown once: only the sealed form is kept).

        Only changes from now on are delivered: the subscription starts after the
        newest change event of its tenant.
        """
        from interlink.store._tables import change_events, tenants

        check_url(url)
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        now = self.now()
        sub_id = new_id("sub")
        with translate_errors(self.engine.url, "adding a subscription"), self._writer.begin() as c:
            if c.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is None:
                raise ConfigError("subscription.tenant", f"no tenant {tenant_id!r}")
            newest = c.execute(
                select(change_events.c.seq)
                .where(change_events.c.tenant_id == tenant_id)
                .order_by(change_events.c.seq.desc())
                .limit(1)
            ).scalar()
            c.execute(
                insert(subscriptions).values(
                    id=sub_id,
                    tenant_id=tenant_id,
                    url=url,
                    secret=self._cipher.encrypt(secret.encode()),
                    models=list(models),
                    status=ACTIVE,
                    disabled_reason=None,
                    last_seq=newest or 0,
                    failures=0,
                    paused_until=None,
                    created_at=now,
                    updated_at=now,
                )
            )
        found = self.get(sub_id)
        assert found is not None
        return found, secret

    def get(self, subscription_id: str) -> Subscription | None:
        query = select(subscriptions).where(subscriptions.c.id == subscription_id)
        with (
            translate_errors(self.engine.url, "reading a subscription"),
            self.engine.connect() as c,
        ):
            row = c.execute(query).first()
        return None if row is None else to_subscription(row)

    def list(self, *, tenant_id: str | None = None) -> list[Subscription]:
        query = select(subscriptions).order_by(subscriptions.c.created_at, subscriptions.c.id)
        if tenant_id is not None:
            query = query.where(subscriptions.c.tenant_id == tenant_id)
        with translate_errors(self.engine.url, "listing subscriptions"), self.engine.connect() as c:
            return [to_subscription(row) for row in c.execute(query)]

    def remove(self, subscription_id: str) -> bool:
        """Delete the subscription with its deliveries and attempts."""
        from interlink.webhooks._outbound_tables import attempts, deliveries

        with (
            translate_errors(self.engine.url, "removing a subscription"),
            self._writer.begin() as c,
        ):
            ids = select(deliveries.c.id).where(deliveries.c.subscription_id == subscription_id)
            c.execute(delete(attempts).where(attempts.c.delivery_id.in_(ids)))
            c.execute(delete(deliveries).where(deliveries.c.subscription_id == subscription_id))
            return (
                c.execute(
                    delete(subscriptions).where(subscriptions.c.id == subscription_id)
                ).rowcount
                == 1
            )

    def secret(self, subscription_id: str) -> str:
        """The plaintext secret, for signing (never logged, never shown again)."""
        query = select(subscriptions.c.secret).where(subscriptions.c.id == subscription_id)
        with translate_errors(self.engine.url, "reading a secret"), self.engine.connect() as c:
            sealed = c.execute(query).scalar()
        if sealed is None:
            raise ConfigError("subscription", f"no subscription {subscription_id!r}")
        return self._cipher.decrypt(bytes(sealed)).decode()
