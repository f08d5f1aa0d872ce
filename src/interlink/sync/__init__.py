"""Incremental sync: each (connection, resource) copied into the store, resumable from checkpoints.

```python
engine = SyncEngine(store, StoreConnections(store, vault, registry, state, transport))
run = await engine.run(SyncJob(connection_id, "contacts"))
print(run.outcome, run.stats.created, run.stats.updated)
```
"""

from __future__ import annotations

from interlink.sync._job import SyncJob
from interlink.sync._runner import EmbeddedRunner, JobEngine, JobFailure, Runner

__all__ = ["EmbeddedRunner", "JobEngine", "JobFailure", "Runner", "SyncJob"]
