"""One worker process's sync stack: built once per process, then one job after another.

A Celery prefork child (or any process that runs jobs by their (connection,
resource)) calls `WorkerRuntime.current(config)` and then `run(job)`. The
runtime owns a private event loop that lives as long as the process, so the
store's threads, the aiohttp pool and the Redis pool it builds once serve
every job the process runs.

Each job runs under a lease on its (connection, resource): when another
worker holds it, `run` answers `Busy` with the seconds left on that lease
(the caller retries then) instead of running the same pair twice at once.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from interlink._clock import SystemClock
from interlink._errors import ConfigError
from interlink.connectors import ConnectorRegistry
from interlink.http import AiohttpTransport, RoutedTransport, Transport
from interlink.settings import Settings
from interlink.store import AsyncStore, SyncRun, open_store
from interlink.sync._connections import StoreConnections
from interlink.sync._deployment import shared_state
from interlink.sync._engine import SyncEngine
from interlink.sync._job import SyncJob
from interlink.sync._lease import RedisLeases, worker_identity
from interlink.sync._leased import Busy, LeasedEngine, lease_key
from interlink.vault import Vault, default_key_source

__all__ = ["Busy", "WorkerConfig", "WorkerRuntime", "lease_key"]

log = structlog.get_logger("interlink.sync.worker")


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """What a worker process needs beyond `Settings`: where its leases and shared state
    live in Redis, and how long a lease lasts without renewal."""

    settings: Settings
    redis_prefix: str = "interlink:"
    lease_ttl: float = 30.0
    request_timeout: float = 30.0
    metered: Callable[[Transport], Transport] | None = None
    """Wraps each process's transport once it is built: how `interlink worker
    --metrics-port` counts vendor calls (the sync layer knows no metrics)."""

    @property
    def redis_url(self) -> str:
        """The Redis holding shared budgets, tokens, breakers and leases."""
        state = self.settings.state
        if state == "memory":
            raise ConfigError(
                "INTERLINK_STATE",
                "workers share budgets, tokens and leases through Redis: set it to a "
                "redis:// URL (it is 'memory')",
            )
        return state


class WorkerRuntime:
    """The engine, leases and event loop of one worker process."""

    _current: WorkerRuntime | None = None

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self.pid = os.getpid()
        self.identity = worker_identity()
        self.loop = asyncio.new_event_loop()
        self._build()

    @classmethod
    def current(cls, config: WorkerConfig) -> WorkerRuntime:
        """This process's runtime, built on first use (a forked child builds its own:
        a loop, pools and threads never cross a fork)."""
        runtime = cls._current
        if runtime is None or runtime.pid != os.getpid():
            runtime = cls._current = cls(config)
        return runtime

    @classmethod
    def close_current(cls) -> None:
        """Close this process's runtime, if it built one."""
        runtime, cls._current = cls._current, None
        if runtime is not None and runtime.pid == os.getpid():
            runtime.close()

    def _build(self) -> None:
        config, settings = self.config, self.config.settings
        clock = SystemClock()
        # The main worker process migrated the store before forking: children only open it.
        self.store = AsyncStore(open_store(settings.database_url, migrate=False))
        vault = Vault(self.store.store, default_key_source(settings.key_file), actor="worker")
        # Built as serve and the CLI build it: same keys, OAuth tokens sealed by the vault
        # (`redis_url` refuses `memory` state with its ConfigError).
        shared = settings.model_copy(update={"state": config.redis_url})
        self.state = shared_state(shared, vault=vault, clock=clock, prefix=config.redis_prefix)
        assert self.state.redis is not None
        self.leases = RedisLeases(
            self.state.redis, prefix=f"{config.redis_prefix}lease:", ttl=config.lease_ttl
        )
        inner = AiohttpTransport(timeout=config.request_timeout)
        transport: Transport = RoutedTransport(settings.routes, inner) if settings.routes else inner
        if config.metered is not None:
            transport = config.metered(transport)
        self.connections = StoreConnections(
            self.store,
            vault,
            registry=ConnectorRegistry.default(),
            state=self.state,
            transport=transport,
            clock=clock,
        )
        self.engine = SyncEngine(
            self.store,
            self.connections,
            clock=clock,
            lookback=settings.lookback,
            full_every=settings.full_sync_every,
        )
        self.leased = LeasedEngine(self.engine, self.leases, identity=self.identity)

    def run(self, job: SyncJob) -> SyncRun | Busy:
        """Run `job` to its end under its lease (blocking), or `Busy` when another
        worker holds the lease."""
        return self.loop.run_until_complete(self.run_async(job))

    async def run_async(self, job: SyncJob) -> SyncRun | Busy:
        return await self.leased.try_run(job)

    def close(self) -> None:
        async def shutdown() -> None:
            await self.connections.close()
            await self.state.aclose()
            await self.store.aclose()

        try:
            self.loop.run_until_complete(shutdown())
        finally:
            self.loop.close()
