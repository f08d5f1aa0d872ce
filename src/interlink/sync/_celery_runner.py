"""`CeleryRunner`: the `Runner` interface over Celery workers.

```python
runner = CeleryRunner(create_app(CeleryConfig.load()), store)
runner.submit(SyncJob("conn-1", "contacts"))
runs = await runner.join()       # the runs as recorded in the store by the workers
```

`submit` enqueues (connection_id, resource, full) and returns at once; the
workers run the job. This process only tracks what it submitted, to coalesce
a second submit of a pair still queued or running and to answer `join`.
Workers coordinate among themselves through leases, whoever submitted.

`submit` and `active` talk to the broker and the result backend, and kombu
retries a broker that is down for seconds: they are `blocking`, so a server
calls them on a thread (`interlink.sync.enqueue`), never on its event loop.
They may be called from several threads at once.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, ClassVar

import structlog
from celery import Celery
from celery.result import AsyncResult

from interlink._clock import Clock, SystemClock
from interlink.store import AsyncStore, SyncRun
from interlink.sync._celery import TASK
from interlink.sync._job import SyncJob
from interlink.sync._runner import JobFailure

if TYPE_CHECKING:
    from interlink.sync._runner import Runner

__all__ = ["CeleryRunner"]

log = structlog.get_logger("interlink.sync.celery")


def _key(job: SyncJob) -> tuple[str, str]:
    return job.connection_id, job.resource


class CeleryRunner:
    """Submits jobs to Celery workers; `failures` holds the jobs whose task raised.

    A long-lived submitter (the scheduler, a server) may never take its runs: only the
    latest `keep` finished runs and failures are kept, so its memory stays flat."""

    blocking: ClassVar[bool] = True
    """Its calls do network I/O: call them off an event loop that serves requests."""

    def __init__(
        self,
        app: Celery,
        store: AsyncStore,
        *,
        clock: Clock | None = None,
        poll: float = 0.25,
        keep: int = 1000,
    ) -> None:
        if poll <= 0:
            raise ValueError(f"poll must be > 0 seconds, got {poll}")
        if keep < 1:
            raise ValueError(f"keep must be >= 1, got {keep}")
        self.keep = keep
        self.app = app
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.poll = poll
        self.failures: list[JobFailure] = []
        self.coalesced = 0
        self._pending: dict[tuple[str, str], tuple[SyncJob, AsyncResult[dict[str, str]]]] = {}
        self._done: list[str] = []  # run ids finished and not yet returned
        self._closed = False
        self._lock = threading.Lock()  # submit/active/_collect from several threads at once

    def __repr__(self) -> str:
        return f"<CeleryRunner {len(self._pending)} pending, broker {self.app.conf.broker_url!r}>"

    def submit(self, job: SyncJob) -> None:
        if self._closed:
            raise RuntimeError("CeleryRunner.submit: the runner is closed")
        with self._lock:
            if _key(job) in self._pending:
                self.coalesced += 1
                return
            result = self.app.send_task(TASK, args=(job.connection_id, job.resource, job.full))
            self._pending[_key(job)] = (job, result)

    def active(self) -> set[tuple[str, str]]:
        """The pairs submitted here and not finished yet (asks the result backend)."""
        self._collect()
        with self._lock:
            return set(self._pending)

    def _collect(self) -> bool:
        """Move finished jobs out of `_pending`; True when any finished."""
        with self._lock:
            return self._collect_locked()

    def _collect_locked(self) -> bool:
        finished = [key for key, (_, result) in self._pending.items() if result.ready()]
        for key in finished:
            job, result = self._pending.pop(key)
            value = result.result
            if result.successful() and isinstance(value, dict):
                self._done.append(str(value["run_id"]))
            else:
                error = f"{type(value).__name__}: {value}"
                log.error("sync job failed", connection=job.connection_id,
                          resource=job.resource, error=error)  # fmt: skip
                self.failures.append(JobFailure(job, error))
            result.forget()
        del self._done[: -self.keep], self.failures[: -self.keep]
        return bool(finished)

    async def finished(self) -> list[SyncRun]:
        """The runs finished since the last call (or `join`), without waiting."""
        await asyncio.to_thread(self._collect)
        ids, self._done = self._done, []
        runs = [await self.store.get_run(run_id) for run_id in ids]
        return [run for run in runs if run is not None]

    async def join(self) -> list[SyncRun]:
        while self._pending:
            if not await asyncio.to_thread(self._collect):
                await self.clock.sleep(self.poll)
        return await self.finished()

    async def aclose(self) -> None:
        """Stop tracking. Jobs already on the broker stay there: they are durable work
        the workers will do, not this process's to cancel."""
        self._closed = True
        self._pending.clear()


if TYPE_CHECKING:

    def _is_a_runner(runner: CeleryRunner) -> Runner:
        return runner  # mypy proves CeleryRunner satisfies the Runner protocol
