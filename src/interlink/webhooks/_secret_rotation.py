"""Subscription secrets follow a vault key rotation (`interlink vault rotate-key`).

A `Resealer` for `Vault.rotate`: every secret not sealed with the current key
is opened with the key that sealed it, sealed again with the current one and
swapped in only if the stored blob is still the one read, so a secret
written meanwhile is kept as written.
"""

from __future__ import annotations

from collections import Counter

import structlog
from sqlalchemy import Engine, select, update

from interlink._errors import VaultError
from interlink.store._engine import WRITE, translate_errors
from interlink.vault import ResealReport, Vault, VaultCipher, blob_key_id
from interlink.webhooks._outbound_tables import subscriptions
from interlink.webhooks._subscriptions import SECRET_PURPOSE

__all__ = ["SubscriptionSecrets"]

log = structlog.get_logger("interlink.webhooks")


class SubscriptionSecrets:
    """Re-seals webhook subscriptions' secrets under the vault's current key."""

    what = "webhook subscription secrets"

    def __init__(self, engine: Engine, cipher: VaultCipher) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
        self._cipher = cipher

    @classmethod
    def for_vault(cls, engine: Engine, vault: Vault) -> SubscriptionSecrets:
        """The re-sealer for the secrets `vault` sealed (`Subscriptions.for_vault`)."""
        return cls(engine, vault.cipher(SECRET_PURPOSE))

    def _sealed(self) -> list[tuple[str, bytes]]:
        query = select(subscriptions.c.id, subscriptions.c.secret).order_by(subscriptions.c.id)
        with translate_errors(self.engine.url, "reading secrets"), self.engine.connect() as c:
            return [(row.id, bytes(row.secret)) for row in c.execute(query)]

    def reseal(self, current_key_id: str) -> ResealReport:
        resealed = changed = 0
        unreadable: list[str] = []
        for sub_id, blob in self._sealed():
            what = f"the secret of subscription {sub_id!r}"
            try:
                if blob_key_id(blob, what=what) == current_key_id:
                    continue
                fresh = self._cipher.encrypt(self._cipher.decrypt(blob))
            except VaultError as exc:
                unreadable.append(sub_id)
                log.warning("webhooks.secret_unreadable", subscription_id=sub_id, reason=str(exc))
                continue
            swap = (
                update(subscriptions)
                .where(subscriptions.c.id == sub_id, subscriptions.c.secret == blob)
                .values(secret=fresh)
            )
            with (
                translate_errors(self.engine.url, "re-sealing a secret"),
                self._writer.begin() as c,
            ):
                if c.execute(swap).rowcount == 1:
                    resealed += 1
                else:
                    changed += 1
        by_key = Counter(_key_id(blob) for _, blob in self._sealed())
        by_key.pop(None, None)  # malformed: already counted as unreadable
        counts = {key_id: n for key_id, n in by_key.items() if key_id is not None}
        return ResealReport(self.what, resealed, changed, tuple(unreadable), counts)


def _key_id(blob: bytes) -> str | None:
    try:
        return blob_key_id(blob, what="a subscription secret")
    except VaultError:
        return None
