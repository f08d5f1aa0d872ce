"""Runners execute sync jobs; the engine never knows which runner drives it.

```python
runner = EmbeddedRunner(engine, concurrency=8)
runner.submit(SyncJob("conn-1", "contacts"))
runner.submit(SyncJob("conn-2", "tickets", full=True))
runs = await runner.join()          # every submitted job, finished
await runner.aclose()
```

`Runner` is the whole interface: a distributed runner (Celery, issue 8) submits a
job by its (connection, resource) to a worker process that builds its own engine
and calls `engine.run(job)`, exactly as `EmbeddedRunner` does in process.

Provider limits hold across concurrent runs because every run's connection is
built on the same `State` (one limiter per provider credential): the engine's
`ConnectionSource` owns it, and the runner only decides what runs when.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog

from interlink.store import SyncRun
from interlink.sync._job import SyncJob

__all__ = ["EmbeddedRunner", "JobEngine", "JobFailure", "PairBusyError", "Runner", "enqueue"]

log = structlog.get_logger("interlink.sync.runner")


class PairBusyError(Exception):
    """The engine did not run a job: another process is syncing its (connection, resource),
    free again in at most `wait` seconds (a lease held elsewhere)."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message)
        self.wait = wait


class JobEngine(Protocol):
    """What a runner drives: `SyncEngine` satisfies it."""

    async def run(self, job: SyncJob) -> SyncRun:
        """Run one (connection, resource) job to its end; the run is recorded in the store."""
        ...


class Runner(Protocol):
    """Executes sync jobs: in process, or on workers."""

    def submit(self, job: SyncJob) -> None:
        """Queue `job`; a job whose (connection, resource) is queued or running coalesces."""
        ...

    def active(self) -> set[tuple[str, str]]:
        """The (connection, resource) pairs queued or running now (the scheduler skips them)."""
        ...

    async def join(self) -> list[SyncRun]:
        """Wait until everything submitted has finished; its runs (those not yet taken)."""
        ...

    async def aclose(self) -> None:
        """Stop: cancel what has not finished."""
        ...


async def enqueue(runner: Runner, jobs: Sequence[SyncJob]) -> set[tuple[str, str]]:
    """Submit `jobs` to `runner`; the (connection, resource) pairs that were already queued
    or running before. A runner whose calls do network I/O (`blocking`, as Celery's broker
    and result backend) is called on a thread, so a server's event loop never waits on a
    broker; an in-process runner is called right here, on its loop."""

    def submit_all() -> set[tuple[str, str]]:
        already = runner.active()
        for job in jobs:
            runner.submit(job)
        return already

    if getattr(runner, "blocking", False):
        return await asyncio.to_thread(submit_all)
    return submit_all()


@dataclass(frozen=True, slots=True)
class JobFailure:
    """A job whose engine raised instead of returning a run: kept, logged, never fatal."""

    job: SyncJob
    error: str


def _key(job: SyncJob) -> tuple[str, str]:
    return job.connection_id, job.resource


class EmbeddedRunner:
    """asyncio tasks in this process, at most `concurrency` runs at once and at most one
    per (connection, resource); a job that raises is recorded in `failures` and never
    stops or stalls the others. A full job whose pair another process is syncing
    (`PairBusyError`) is tried again once that lease may have ended, so a full sync asked
    for is never dropped; an incremental one is recorded as a failure naming the holder
    (the sync under way brings the pair up to date). `timeout` (seconds) bounds one run,
    so a vendor that hangs frees its slot. A long-lived runner nobody joins (a server's)
    keeps only the latest `keep` finished runs and failures."""

    def __init__(
        self,
        engine: JobEngine,
        *,
        concurrency: int = 8,
        timeout: float | None = None,
        keep: int = 1000,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        if keep < 1:
            raise ValueError(f"keep must be >= 1, got {keep}")
        self.keep = keep
        self.engine = engine
        self.concurrency = concurrency
        self.timeout = timeout
        self.failures: list[JobFailure] = []
        self.coalesced = 0
        """How many submits were folded into a job already queued or running."""
        self._slots = asyncio.Semaphore(concurrency)
        self._jobs: dict[tuple[str, str], SyncJob] = {}
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._running: set[tuple[str, str]] = set()
        self._runs: list[SyncRun] = []
        self._closed = False

    def __repr__(self) -> str:
        return f"<EmbeddedRunner {len(self._tasks)} active, concurrency {self.concurrency}>"

    def active(self) -> set[tuple[str, str]]:
        """The (connection, resource) pairs queued or running now."""
        return set(self._tasks)

    def submit(self, job: SyncJob) -> None:
        if self._closed:
            raise RuntimeError("EmbeddedRunner.submit: the runner is closed")
        key = _key(job)
        queued = self._jobs.get(key)
        if queued is not None:
            self.coalesced += 1
            if job.full and not queued.full and not self._started(key):
                self._jobs[key] = job  # the queued run becomes the full one asked for
            return
        self._jobs[key] = job
        self._tasks[key] = asyncio.create_task(self._run(key), name=f"sync {key[0]}/{key[1]}")

    def _started(self, key: tuple[str, str]) -> bool:
        return key in self._running

    async def _run(self, key: tuple[str, str]) -> None:
        try:
            wait = await self._attempt(key)
            while wait is not None:  # a lease held elsewhere: it ends on its own, nobody signals
                await asyncio.sleep(wait)  # its slot is free meanwhile; a submit still folds in
                wait = await self._attempt(key)
        finally:
            self._running.discard(key)
            self._jobs.pop(key, None)
            self._tasks.pop(key, None)

    async def _attempt(self, key: tuple[str, str]) -> float | None:
        """Run the pair's job once; the seconds to wait before trying again, or None."""
        async with self._slots:
            self._running.add(key)
            job = self._jobs[key]
            scope = asyncio.timeout(self.timeout)
            try:
                async with scope:
                    run = await self.engine.run(job)
            except PairBusyError as exc:
                self._running.discard(key)
                if job.full:  # the sync under way elsewhere may be incremental: ask again
                    log.info("sync job deferred: its pair is busy", connection=job.connection_id,
                             resource=job.resource, wait=exc.wait)  # fmt: skip
                    return max(exc.wait, 0.05)
                self._fail(job, f"{type(exc).__name__}: {exc}")
            except Exception as exc:  # isolation: one broken job never stops the runner
                if scope.expired():
                    self._fail(job, f"no result within {self.timeout:g} s: cancelled")
                else:
                    self._fail(job, f"{type(exc).__name__}: {exc}")
            else:
                self._runs.append(run)
                del self._runs[: -self.keep]
        return None

    def _fail(self, job: SyncJob, error: str) -> None:
        log.error("sync job failed", connection=job.connection_id, resource=job.resource,
                  error=error)  # fmt: skip
        self.failures.append(JobFailure(job, error))
        del self.failures[: -self.keep]

    def finished(self) -> list[SyncRun]:
        """The runs finished since the last `finished()` or `join()`, without waiting."""
        runs, self._runs = self._runs, []
        return runs

    async def join(self) -> list[SyncRun]:
        while self._tasks:  # a job may be submitted while others run
            await asyncio.wait(list(self._tasks.values()))
        return self.finished()

    async def aclose(self) -> None:
        self._closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
