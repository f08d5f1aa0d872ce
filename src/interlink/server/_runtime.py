"""The server as `interlink serve` runs it: everything built from the settings.

One store, one vault, one `State` and one metered transport serve the API,
the embedded runner and its scheduler, and the webhook intake and processor,
so every path to a vendor shares one rate-limit budget, token and breaker per
credential. The lifespan starts the background loops (scheduler, webhook
processor, outbound webhook dispatcher) and stops and closes everything on shutdown.

With `runner = "celery"` the syncs the API starts are enqueued for the workers
and no scheduler runs here (`interlink scheduler` is the one). With the
embedded runner on Redis state, each run takes the same lease the workers
take, so several servers (and workers) never sync one pair at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI

from interlink._clock import SystemClock
from interlink.connectors import ConnectorRegistry
from interlink.server._app import create_app
from interlink.server._metrics import MeteredTransport, Metrics, SyncMetrics
from interlink.server.connect import ConnectConfig, OAuthApp, server_secret
from interlink.server.dashboard import DashboardConfig
from interlink.settings import Settings
from interlink.store import AsyncStore, Store, open_store
from interlink.sync import (
    EmbeddedRunner,
    JobEngine,
    Runner,
    Scheduler,
    StoreConnections,
    SyncEngine,
)
from interlink.sync._deployment import leased, shared_state
from interlink.vault import FileSecret, Vault, default_key_source

if TYPE_CHECKING:
    from interlink.sync import CeleryConfig

__all__ = ["app_from_settings"]


def app_from_settings(
    settings: Settings, *, schedule: bool | None = None, webhooks: bool = True, poll: float = 5.0
) -> FastAPI:
    """The full server for `settings`: API, the runner `settings.runner` names (and a
    scheduler with `schedule`; None: only with the embedded runner, the Celery deployment
    has `interlink scheduler`), webhook intake and processor and the outbound dispatcher
    (with `webhooks`), metrics."""
    from interlink.http import AiohttpTransport, RoutedTransport
    from interlink.webhooks import (
        Inbox,
        IntakeMetrics,
        OutboundDispatcher,
        StoreTargets,
        WebhookIntake,
        WebhookProcessor,
        WebhookProviders,
    )

    # A Celery deployment's settings are checked before anything is opened or created.
    celery = _celery_config(settings)
    clock = SystemClock()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    store = open_store(settings.database_url, clock=clock)
    astore = AsyncStore(store)
    vault = Vault(store, default_key_source(settings.key_file), actor="server")
    registry = ConnectorRegistry.default()
    metrics = Metrics()
    state = shared_state(settings, vault=vault, clock=clock)
    inner = AiohttpTransport()
    routed = RoutedTransport(settings.routes, inner) if settings.routes else inner
    transport = MeteredTransport(routed, metrics, registry)
    source = StoreConnections(astore, vault, registry=registry, state=state, transport=transport,
                              clock=clock)  # fmt: skip
    observer = SyncMetrics(metrics, source.providers)
    engine = SyncEngine(astore, source, clock=clock, lookback=settings.lookback,
                        full_every=settings.full_sync_every, observer=observer)  # fmt: skip
    runner = _runner(settings, celery, astore, leased(engine, state, prefix=settings.redis_prefix,
                                              ttl=settings.lease_ttl))  # fmt: skip
    if schedule is None:
        schedule = settings.runner == "embedded"
    inbox = Inbox.for_store(store, clock=clock)
    providers = WebhookProviders(registry)
    intake = WebhookIntake(
        inbox, StoreTargets(store._engine, providers, _reader(vault, "webhooks"), clock=clock),
        clock=clock,
        metrics=IntakeMetrics(metrics.registry),
    )  # fmt: skip
    processor = WebhookProcessor(inbox, providers, source, clock=clock,
                                 retention=settings.webhook_retention)  # fmt: skip
    outbound = OutboundDispatcher.for_vault(store._engine, vault, clock=clock)
    metrics.dead_letters.set_function(lambda: _dead_letters(store))
    scheduler = Scheduler(
        astore, runner, clock=clock, poll=poll,
        interval_for=lambda row, name: settings.interval_for(row.provider, name),
    )  # fmt: skip

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        loops = []
        if schedule:
            loops.append(asyncio.create_task(scheduler.serve(stop=stop), name="scheduler"))
        if webhooks:
            loops.append(asyncio.create_task(processor.run(stop), name="webhook processor"))
            loops.append(asyncio.create_task(outbound.run(stop), name="outbound webhooks"))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*loops, return_exceptions=True)
            await runner.aclose()
            await processor.aclose()
            await outbound.aclose()
            intake.close()
            await source.close()
            await state.aclose()
            await astore.aclose()

    # Signs tenant tokens, seals connect and dashboard cookies; kept beside the vault key.
    secret = server_secret(FileSecret(settings.key_file.parent / "server.key"))
    apps = {
        provider: OAuthApp(app.client_id, app.client_secret.get_secret_value(), app.scopes)
        for provider, app in settings.oauth_apps.items()
    }
    connect = ConnectConfig(secret, vault, transport, apps=apps, browser_routes=settings.routes)
    return create_app(
        astore, source, runner=runner, registry=registry, clock=clock, metrics=metrics,
        webhooks=intake if webhooks else None, lifespan=lifespan, connect=connect,
        dashboard=DashboardConfig(secret, breakers=state.breakers), breakers=state.breakers,
    )  # fmt: skip


def _reader(vault: Vault, actor: str) -> Callable[[str], dict[str, str]]:
    """`vault.get`, audited as `actor` (the intake reads webhook secrets, not the API)."""
    return functools.partial(vault.get, actor=actor)


def _celery_config(settings: Settings) -> CeleryConfig | None:
    """The workers' configuration with `runner = "celery"` (a `ConfigError` when it is
    incomplete, e.g. in-process state); None with the embedded runner."""
    if settings.runner == "embedded":
        return None
    from interlink.sync import CeleryConfig

    return CeleryConfig.load(settings)


def _runner(
    settings: Settings, celery: CeleryConfig | None, store: AsyncStore, engine: JobEngine
) -> Runner:
    """The embedded runner over `engine`, or the Celery workers (`runner = "celery"`)."""
    if celery is None:
        return EmbeddedRunner(engine, concurrency=settings.concurrency)
    from interlink.sync import CeleryRunner, create_celery_app

    return CeleryRunner(create_celery_app(celery), store)


def _dead_letters(store: Store) -> float:
    """Webhook events in the dead-letter queue now (read when /metrics is scraped)."""
    from sqlalchemy import func, select

    from interlink.store._tables import dead_letters
    from interlink.webhooks._dlq import BURIED

    query = select(func.count()).select_from(dead_letters).where(dead_letters.c.status == BURIED)
    with store._read("count dead letters") as conn:
        return float(conn.execute(query).scalar_one())
