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

from interlink.sync._checkpoint import Mode, Phase, ResumePoint
from interlink.sync._connections import ConnectionSource, Credentials, StoreConnections
from interlink.sync._engine import SyncEngine
from interlink.sync._hashing import content_hash, prepare
from interlink.sync._job import SyncJob
from interlink.sync._lease import Lease, LeaseLostError, RedisLeases, worker_identity
from interlink.sync._observer import SyncObserver
from interlink.sync._runner import EmbeddedRunner, JobEngine, JobFailure, Runner
from interlink.sync._scheduler import IntervalFor, ResourcesFor, Scheduler, listable_resources

__all__ = [
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
    "content_hash",
    "listable_resources",
    "prepare",
    "worker_identity",
]
