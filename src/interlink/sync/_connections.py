"""Where the engine gets a live `Connection` for a stored connection id.

`ConnectionSource` is the seam: `StoreConnections` builds each connection from
its stored row (provider, auth method, variables) and its credentials from
the vault, on one shared `State` (so every run of one provider credential
draws on one rate-limit budget, one token, one breaker) and one shared
transport. A refresh token the vendor rotates is sealed back into the vault
before it is used, so a crash never strands the only valid one in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import structlog

from interlink._clock import Clock, SystemClock
from interlink._errors import ConfigError
from interlink.auth import TokenSet
from interlink.client import Connection, connect
from interlink.connectors import ConnectorRegistry
from interlink.http import AiohttpTransport, Transport
from interlink.state import State
from interlink.store import AsyncStore

__all__ = ["ConnectionSource", "Credentials", "StoreConnections"]

log = structlog.get_logger("interlink.sync")


class ConnectionSource(Protocol):
    """Opens connections by id for the engine; owns what they share."""

    async def open(self, connection_id: str) -> Connection:
        """A ready `Connection` (nothing is sent yet); `ConfigError`/`VaultError` when it
        cannot be built (unknown or disabled connection, missing credentials)."""
        ...

    async def close(self) -> None:
        """Release what the connections share (the transport's connection pool)."""
        ...


class Credentials(Protocol):
    """Reads and writes a connection's plaintext credentials (`interlink.vault.Vault`)."""

    def get(self, connection_id: str) -> dict[str, str]: ...

    def put(self, connection_id: str, credentials: Mapping[str, str]) -> None: ...


class StoreConnections:
    """Connections built from the store's rows and the vault's credentials.

    Each `open` builds a fresh `Connection` (cheap: no I/O) so a credential
    changed in the vault is used by the next run; what must persist between
    runs (tokens, limiter windows, breakers) lives in `state`.
    """

    def __init__(
        self,
        store: AsyncStore,
        vault: Credentials,
        *,
        registry: ConnectorRegistry | None = None,
        state: State | None = None,
        transport: Transport | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._store = store
        self._vault = vault
        self._registry = registry or ConnectorRegistry.default()
        self._clock = clock or SystemClock()
        self._state = state or State.in_process(clock=self._clock)
        self._transport = transport or AiohttpTransport()
        self.providers: dict[str, str] = {}
        """connection id -> provider of every connection opened (metrics label runs with it)."""

    async def open(self, connection_id: str) -> Connection:
        row = await self._store.get_connection(connection_id)
        if row is None:
            raise ConfigError("connection", f"no connection {connection_id!r} in the store")
        if row.status != "active":
            raise ConfigError("connection", f"connection {connection_id!r} is {row.status}")
        self.providers[row.id] = row.provider
        credentials = await self._store.call(self._vault.get, connection_id)

        async def rotated(tokens: TokenSet) -> None:
            if tokens.refresh_token is None:
                return
            latest = await self._store.call(self._vault.get, connection_id)
            updated = {**latest, "refresh_token": tokens.refresh_token}
            await self._store.call(self._vault.put, connection_id, updated)
            log.info("sync.refresh_token_rotated", connection_id=connection_id)

        return connect(
            row.provider,
            credentials=credentials,
            variables=row.variables,
            auth_method=row.auth_method,
            connection_id=connection_id,
            state=self._state,
            transport=_Shared(self._transport),
            registry=self._registry,
            clock=self._clock,
            on_tokens_rotated=rotated,
        )

    async def close(self) -> None:
        await self._transport.aclose()


class _Shared:
    """The shared transport, lent to one connection: closing the connection keeps it open."""

    __slots__ = ("send",)

    def __init__(self, inner: Transport) -> None:
        self.send = inner.send  # bound directly: no extra frame per request

    async def aclose(self) -> None:
        return None
