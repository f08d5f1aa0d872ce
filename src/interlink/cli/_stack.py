"""The sync stack the commands run: state, transport, connections, engine, runner.

One `State` and one transport serve every connection of the process, so each
provider credential has one rate-limit budget, one token and one breaker
however many runs share it. The state is built as every process of a
deployment builds it (`shared_state`): on Redis, with the same key prefix as
the workers and serve, tokens sealed, and each run under the same lease.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import cast

from interlink._clock import Clock, SystemClock
from interlink.client import MappedPage
from interlink.connectors import ConnectorRegistry
from interlink.http import AiohttpTransport, RoutedTransport, Transport
from interlink.settings import Settings
from interlink.store import AsyncStore, ConnectionRow, Store
from interlink.sync import EmbeddedRunner, StoreConnections, SyncEngine, SyncObserver
from interlink.sync._deployment import leased, shared_state
from interlink.vault import Vault

__all__ = ["Probe", "SyncStack", "build_transport", "probe_connection", "sync_stack"]


def build_transport(routes: Mapping[str, str], *, timeout: float = 30.0) -> Transport:
    """aiohttp, sending the routed hosts (simulators) to their loopback bases."""
    inner = AiohttpTransport(timeout=timeout)
    return RoutedTransport(routes, inner) if routes else inner


@dataclass(frozen=True, slots=True)
class SyncStack:
    """What a command drives: the engine, a runner over it, and what they share."""

    store: AsyncStore
    connections: StoreConnections
    engine: SyncEngine
    runner: EmbeddedRunner


@asynccontextmanager
async def sync_stack(
    settings: Settings,
    store: Store,
    vault: Vault,
    *,
    observer: SyncObserver | None = None,
    routes: Mapping[str, str] | None = None,
    request_timeout: float = 30.0,
    clock: Clock | None = None,
) -> AsyncIterator[SyncStack]:
    """The engine and an embedded runner over `store`, closed (runs cancelled) after."""
    clock = clock or SystemClock()
    astore = AsyncStore(store)
    state = shared_state(settings, vault=vault, clock=clock)
    connections = StoreConnections(
        astore,
        vault,
        registry=ConnectorRegistry.default(),
        state=state,
        transport=build_transport({**settings.routes, **(routes or {})}, timeout=request_timeout),
        clock=clock,
    )
    engine = SyncEngine(
        astore,
        connections,
        clock=clock,
        lookback=settings.lookback,
        full_every=settings.full_sync_every,
        observer=observer,
    )
    # With Redis state, a pair a worker or a server is syncing is not synced here meanwhile.
    runs = leased(engine, state, prefix=settings.redis_prefix, ttl=settings.lease_ttl)
    runner = EmbeddedRunner(runs, concurrency=settings.concurrency)
    try:
        yield SyncStack(astore, connections, engine, runner)
    finally:
        await runner.aclose()
        await connections.close()
        await state.aclose()
        await astore.aclose()


@dataclass(frozen=True, slots=True)
class Probe:
    """What `connections test` saw: the first page of the first listable resource."""

    resource: str
    records: int
    requests: int


async def probe_connection(
    settings: Settings, store: Store, vault: Vault, row: ConnectionRow
) -> Probe:
    """One cheap authenticated call through the whole pipeline; the vendor's refusal
    (wrong credentials) raises its `AuthError` with the vendor's reason."""
    clock = SystemClock()
    astore = AsyncStore(store)
    state = shared_state(settings, vault=vault, clock=clock)
    connections = StoreConnections(
        astore, vault, state=state, transport=build_transport(settings.routes), clock=clock
    )
    try:
        connection = await connections.open(row.id)
        try:
            resource = next(
                name for name, r in connection.spec.resources.items() if r.supports("list")
            )
            pages = cast("AsyncGenerator[MappedPage, None]", connection.pages(resource))
            async with aclosing(pages):  # the first page only: stop the listing there
                page = await anext(pages, None)
            count = 0 if page is None else len(page.records)
            return Probe(resource, count, connection.pipeline.stats.requests)
        finally:
            await connection.aclose()
    finally:
        await connections.close()
        await state.aclose()
        await astore.aclose()
