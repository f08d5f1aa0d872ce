"""What the API's handlers share, built once per app and reached through `app.state`."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from interlink._clock import Clock
from interlink.connectors import ConnectorRegistry
from interlink.server._keys import ApiKeys
from interlink.server._metrics import Metrics
from interlink.store import AsyncStore
from interlink.sync import ConnectionSource, Runner

__all__ = ["Services", "services"]


@dataclass(slots=True)
class Services:
    """The store, the connections (vendor calls), the runner and the API's own parts.

    `runner` is None when the app serves reads and writes only (syncs answer 503).
    `auth_ttl` is how long a verified key is trusted without a lookup (a revoked
    key is refused at most this many seconds later).
    """

    store: AsyncStore
    connections: ConnectionSource
    registry: ConnectorRegistry
    clock: Clock
    metrics: Metrics
    runner: Runner | None = None
    auth_ttl: float = 5.0
    keys: ApiKeys = field(init=False)

    def __post_init__(self) -> None:
        self.keys = ApiKeys(self.store.store)


async def services(request: Request) -> Services:
    """The app's `Services` (a FastAPI dependency; async, so it never takes a thread)."""
    found: Services = request.app.state.services
    return found
