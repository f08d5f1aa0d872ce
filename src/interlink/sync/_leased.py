"""Jobs under leases: whoever runs a (connection, resource), nobody else runs it meanwhile.

```python
engine = LeasedEngine(SyncEngine(...), RedisLeases(state.redis, prefix="interlink:lease:"))
outcome = await engine.try_run(job)    # SyncRun, or Busy(holder, wait) when held elsewhere
run = await engine.run(job)            # the JobEngine shape: Busy raises LeaseBusyError
```

Celery workers, `interlink serve`'s embedded runner and `interlink sync` all
wrap their engine in this, on the same Redis keys (`{redis_prefix}lease:sync:
{connection}/{resource}`), so a pair synced by a worker is not synced by a
server at the same time, and the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from interlink.store import SyncRun
from interlink.sync._job import SyncJob
from interlink.sync._lease import RedisLeases, worker_identity
from interlink.sync._runner import JobEngine, PairBusyError

__all__ = ["Busy", "LeaseBusyError", "LeasedEngine", "lease_key"]

log = structlog.get_logger("interlink.sync.lease")


@dataclass(frozen=True, slots=True)
class Busy:
    """Another process holds the job's lease; it may be free in `wait` seconds."""

    job: SyncJob
    holder: str | None
    wait: float


class LeaseBusyError(PairBusyError):
    """The job was not run: another process is syncing the same (connection, resource)."""

    def __init__(self, busy: Busy) -> None:
        job = busy.job
        super().__init__(
            f"{job.connection_id}/{job.resource} is being synced by {busy.holder or 'another'} "
            f"process (lease free in at most {busy.wait:.1f} s): not run twice at once",
            busy.wait,
        )
        self.busy = busy


def lease_key(job: SyncJob) -> str:
    """The lease a job runs under: one per (connection, resource)."""
    return f"sync:{job.connection_id}/{job.resource}"


class LeasedEngine:
    """Runs each job of `engine` under its lease in `leases`, renewed while it runs."""

    def __init__(
        self, engine: JobEngine, leases: RedisLeases, *, identity: str | None = None
    ) -> None:
        self.engine = engine
        self.leases = leases
        self.identity = identity or worker_identity()

    def __repr__(self) -> str:
        return f"<LeasedEngine {self.identity} {self.leases!r}>"

    async def try_run(self, job: SyncJob) -> SyncRun | Busy:
        """Run `job` to its end under its lease, or `Busy` when another process holds it."""
        key = lease_key(job)
        lease = await self.leases.acquire(key, owner=self.identity)
        if lease is None:
            holder = await self.leases.holder(key)
            wait = await self.leases.remaining(key)
            log.info("sync.lease_busy", key=key, holder=holder, wait=wait)
            return Busy(job, holder, wait)
        async with lease.kept():
            log.info("sync.lease_taken", key=key, holder=lease.value)
            return await self.engine.run(job)

    async def run(self, job: SyncJob) -> SyncRun:
        """Run `job` under its lease; `LeaseBusyError` when another process holds it."""
        outcome = await self.try_run(job)
        if isinstance(outcome, Busy):
            raise LeaseBusyError(outcome)
        return outcome
