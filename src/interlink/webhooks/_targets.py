"""Who a delivery is for: the stored connection, its provider's rules and its active secrets.

`StoreTargets` reads the connection row from the store and renders the spec's
`webhooks.secret` from the connection's credentials (the vault's `get`). A
connection may hold several active secrets while one is rotated: the
credential named by the template, plus the same name suffixed `_previous`.
Answers are cached briefly so a burst of deliveries does not decrypt the
vault once per event; a rotated secret is picked up within `ttl` seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import structlog
from sqlalchemy import Engine, select

from interlink._clock import Clock, SystemClock
from interlink._errors import ConfigError, VaultError
from interlink.store._engine import translate_errors
from interlink.store._tables import connections
from interlink.webhooks._config import ProviderWebhooks, WebhookProviders
from interlink.webhooks._verify import Secret

__all__ = ["IntakeTarget", "StoreTargets", "secrets_from"]

log = structlog.get_logger("interlink.webhooks")

Credentials = Callable[[str], Mapping[str, str]]
"""A connection's plaintext credentials by connection id (`interlink.vault.Vault.get`)."""


@dataclass(frozen=True, slots=True)
class IntakeTarget:
    """A delivery's destination: verified with `secrets`, read with `webhooks`."""

    provider: str
    connection_id: str
    tenant_id: str | None
    webhooks: ProviderWebhooks
    secrets: tuple[Secret, ...]


def secrets_from(webhooks: ProviderWebhooks, credentials: Mapping[str, str]) -> tuple[str, ...]:
    """The connection's active secrets (the spec's, then each `NAME_previous` while rotating);
    none when the connection stores no secret."""
    spec = webhooks.spec.webhooks if webhooks.spec is not None else None
    if spec is None:
        return ()
    try:
        return spec.secrets(credentials)
    except ConfigError:  # the secret is not stored: every delivery is refused as no_secret
        return ()


class StoreTargets:
    """Targets from the store's connections and the vault's credentials (sync; call off-loop)."""

    providers: WebhookProviders

    def __init__(
        self,
        engine: Engine,
        providers: WebhookProviders,
        credentials: Credentials,
        *,
        clock: Clock | None = None,
        ttl: float = 30.0,
    ) -> None:
        self._engine, self.providers, self._credentials = engine, providers, credentials
        self._clock: Clock = clock or SystemClock()
        self._ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, IntakeTarget | None]] = {}

    def cached(self, provider: str, connection_id: str) -> IntakeTarget | None:
        """The target when a recent `resolve` found one; None otherwise (resolve then)."""
        cached = self._cache.get((provider, connection_id))
        if cached is None or self._clock.monotonic() - cached[0] >= self._ttl:
            return None
        return cached[1]

    def resolve(self, provider: str, connection_id: str) -> IntakeTarget | None:
        """The target, or None for an unknown provider or connection (or one of another
        provider, or a disabled one)."""
        key = (provider, connection_id)
        cached = self._cache.get(key)
        now = self._clock.monotonic()
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        target = self._load(provider, connection_id)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now, target)
        return target

    def _load(self, provider: str, connection_id: str) -> IntakeTarget | None:
        webhooks = self.providers.get(provider)
        if webhooks is None:
            return None
        query = select(connections.c.tenant_id, connections.c.provider, connections.c.status)
        with (
            translate_errors(self._engine.url, "reading a connection"),
            self._engine.connect() as c,
        ):
            row = c.execute(query.where(connections.c.id == connection_id)).first()
        if row is None or row.provider != provider or row.status != "active":
            return None
        try:
            credentials = self._credentials(connection_id)
        except (LookupError, VaultError) as exc:
            # No readable credentials: no secret, so every delivery is refused as no_secret.
            log.warning("webhooks.no_credentials", connection_id=connection_id, error=str(exc))
            credentials = {}
        secrets: Sequence[Secret] = secrets_from(webhooks, credentials)
        return IntakeTarget(provider, connection_id, row.tenant_id, webhooks, tuple(secrets))
