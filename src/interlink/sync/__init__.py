"""Incremental sync: each (connection, resource) copied into the store, resumable from checkpoints.

```python
from interlink.store import AsyncStore, open_store
from interlink.sync import StoreConnections, SyncEngine, SyncJob
from interlink.vault import Vault, default_key_source

store = AsyncStore(open_store("sqlite:///interlink.db"))
vault = Vault(store.store, default_key_source())
engine = SyncEngine(store, StoreConnections(store, vault))
run = await engine.run(SyncJob(connection_id, "contacts"))
print(run.outcome, run.stats.created, run.stats.updated, run.stats.deleted)
```

docs/sync.md describes the guarantees: checkpoints committed with each page,
resume after a crash, the lookback window, deletions, deferred runs, stats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from interlink.sync._checkpoint import Mode, Phase, ResumePoint
from interlink.sync._connections import ConnectionSource, Credentials, StoreConnections
from interlink.sync._engine import SyncEngine
from interlink.sync._hashing import content_hash, prepare
from interlink.sync._job import SyncJob
from interlink.sync._lease import Lease, LeaseLostError, RedisLeases, worker_identity
from interlink.sync._observer import SyncObserver
from interlink.sync._runner import EmbeddedRunner, JobEngine, JobFailure, Runner, enqueue
from interlink.sync._scheduler import IntervalFor, ResourcesFor, Scheduler, listable_resources

__all__ = [
    "CeleryConfig",
    "CeleryRunner",
    "ConnectionSource",
    "Credentials",
    "EmbeddedRunner",
    "IntervalFor",
    "JobEngine",
    "JobFailure",
    "Lease",
    "LeaseLostError",
    "Mode",
    "Phase",
    "RedisLeases",
    "ResourcesFor",
    "ResumePoint",
    "Runner",
    "Scheduler",
    "StoreConnections",
    "SyncEngine",
    "SyncJob",
    "SyncObserver",
    "WorkerConfig",
    "WorkerRuntime",
    "content_hash",
    "create_celery_app",
    "enqueue",
    "listable_resources",
    "prepare",
    "start_worker",
    "worker_identity",
]

if TYPE_CHECKING:
    from interlink.sync._celery import CeleryConfig, start_worker
    from interlink.sync._celery import create_app as create_celery_app
    from interlink.sync._celery_runner import CeleryRunner
    from interlink.sync._worker import WorkerConfig, WorkerRuntime

# The Celery runner loads Celery only when asked for: the CLI and the embedded runner never do.
_CELERY = {
    "CeleryConfig": ("interlink.sync._celery", "CeleryConfig"),
    "create_celery_app": ("interlink.sync._celery", "create_app"),
    "start_worker": ("interlink.sync._celery", "start_worker"),
    "CeleryRunner": ("interlink.sync._celery_runner", "CeleryRunner"),
    "WorkerConfig": ("interlink.sync._worker", "WorkerConfig"),
    "WorkerRuntime": ("interlink.sync._worker", "WorkerRuntime"),
}


def __getattr__(name: str) -> object:
    if name in _CELERY:
        import importlib

        module, attribute = _CELERY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'interlink.sync' has no attribute {name!r}")
