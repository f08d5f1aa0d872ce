"""EmbeddedRunner: concurrency, one run per (connection, resource), failures isolated.

The engine here is a tiny double that only records what it was asked and
blocks where the test says: these tests pin the runner's scheduling, not syncing
(tests/sync/test_runner_engine.py drives the real engine against simulators).
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest

from interlink.store import RunStats, SyncRun
from interlink.sync import SyncJob
from interlink.sync._runner import EmbeddedRunner, PairBusyError, enqueue

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class GatedEngine:
    """Runs a job once its gate opens; a job named in `broken` raises."""

    def __init__(self, broken: set[str] | None = None) -> None:
        self.gates: dict[tuple[str, str], asyncio.Event] = {}
        self.started: list[SyncJob] = []
        self.running = 0
        self.peak = 0
        self.broken = broken or set()

    def gate(self, connection: str, resource: str) -> asyncio.Event:
        return self.gates.setdefault((connection, resource), asyncio.Event())

    async def run(self, job: SyncJob) -> SyncRun:
        self.started.append(job)
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await self.gate(job.connection_id, job.resource).wait()
            if job.connection_id in self.broken:
                raise RuntimeError(f"{job.connection_id} exploded")
        finally:
            self.running -= 1
        mode = "full" if job.full else "incremental"
        return SyncRun(
            f"run-{len(self.started)}", job.connection_id, job.resource, mode, T0,
            "succeeded", RunStats(seen=1), finished_at=T0,
        )  # fmt: skip


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_at_most_concurrency_runs_at_once() -> None:
    """Ten jobs on a runner of three: never more than three run together, all finish."""
    engine = GatedEngine()
    runner = EmbeddedRunner(engine, concurrency=3)
    for i in range(10):
        engine.gate(f"c{i}", "contacts").set()
        runner.submit(SyncJob(f"c{i}", "contacts"))
    runs = await runner.join()
    assert len(runs) == 10
    assert engine.peak <= 3
    assert {r.connection_id for r in runs} == {f"c{i}" for i in range(10)}


async def test_a_second_submit_of_a_running_job_coalesces() -> None:
    """While (c1, contacts) runs, submitting it again starts no second run."""
    engine = GatedEngine()
    runner = EmbeddedRunner(engine, concurrency=4)
    runner.submit(SyncJob("c1", "contacts"))
    await settle()
    runner.submit(SyncJob("c1", "contacts"))
    runner.submit(SyncJob("c1", "deals"))  # another resource is another job
    await settle()
    assert runner.active() == {("c1", "contacts"), ("c1", "deals")}
    assert runner.coalesced == 1
    engine.gate("c1", "contacts").set()
    engine.gate("c1", "deals").set()
    runs = await runner.join()
    assert sorted(r.resource for r in runs) == ["contacts", "deals"]
    assert len(engine.started) == 2


async def test_a_queued_job_takes_a_later_full_request() -> None:
    """A job still waiting for a slot becomes full when a full run of it is submitted."""
    engine = GatedEngine()
    runner = EmbeddedRunner(engine, concurrency=1)
    runner.submit(SyncJob("c1", "contacts"))
    runner.submit(SyncJob("c2", "contacts"))  # waits behind c1
    await settle()
    runner.submit(SyncJob("c2", "contacts", full=True))
    engine.gate("c1", "contacts").set()
    engine.gate("c2", "contacts").set()
    runs = await runner.join()
    assert {r.connection_id: r.mode for r in runs} == {"c1": "incremental", "c2": "full"}


async def test_a_job_that_raises_is_recorded_and_the_others_finish() -> None:
    """A broken job lands in failures with its error; healthy jobs still return runs."""
    engine = GatedEngine(broken={"bad"})
    runner = EmbeddedRunner(engine, concurrency=2)
    for name in ("bad", "ok1", "ok2", "ok3"):
        engine.gate(name, "contacts").set()
        runner.submit(SyncJob(name, "contacts"))
    runs = await runner.join()
    assert sorted(r.connection_id for r in runs) == ["ok1", "ok2", "ok3"]
    assert [(f.job.connection_id, f.error) for f in runner.failures] == [
        ("bad", "RuntimeError: bad exploded")
    ]
    runner.submit(SyncJob("bad", "contacts"))  # the runner still takes work
    engine.broken.clear()
    assert [r.connection_id for r in await runner.join()] == ["bad"]


async def test_a_hanging_job_never_stalls_the_others() -> None:
    """A job that never ends holds one slot; the rest finish, and a timeout frees it."""
    engine = GatedEngine()
    runner = EmbeddedRunner(engine, concurrency=2, timeout=0.05)
    runner.submit(SyncJob("hang", "contacts"))  # its gate never opens
    for name in ("a", "b", "c"):
        engine.gate(name, "contacts").set()
        runner.submit(SyncJob(name, "contacts"))
    runs = await runner.join()
    assert sorted(r.connection_id for r in runs) == ["a", "b", "c"]
    assert [f.job.connection_id for f in runner.failures] == ["hang"]
    assert "no result within 0.05 s" in runner.failures[0].error


async def test_aclose_cancels_what_is_still_running() -> None:
    """Closing the runner cancels unfinished jobs and refuses new ones."""
    engine = GatedEngine()
    runner = EmbeddedRunner(engine)
    runner.submit(SyncJob("c1", "contacts"))
    await settle()
    await runner.aclose()
    assert runner.active() == set()
    with pytest.raises(RuntimeError, match="closed"):
        runner.submit(SyncJob("c1", "contacts"))


def test_concurrency_must_be_positive() -> None:
    """A runner of zero slots would never run anything: refused."""
    with pytest.raises(ValueError, match="concurrency must be >= 1"):
        EmbeddedRunner(GatedEngine(), concurrency=0)


async def test_a_long_lived_runner_keeps_only_its_latest_runs_and_failures() -> None:
    """A runner nobody joins (a server's) keeps the latest `keep` runs and failures only."""
    engine = GatedEngine(broken={"bad0", "bad1", "bad2"})
    runner = EmbeddedRunner(engine, keep=2)
    for name in ("ok0", "ok1", "ok2", "bad0", "bad1", "bad2"):
        engine.gate(name, "contacts").set()
        runner.submit(SyncJob(name, "contacts"))
        while runner.active():  # finished one by one, without taking the runs
            await settle()
    assert [f.job.connection_id for f in runner.failures] == ["bad1", "bad2"]
    assert [r.connection_id for r in runner.finished()] == ["ok1", "ok2"]
    with pytest.raises(ValueError, match="keep must be >= 1, got 0"):
        EmbeddedRunner(engine, keep=0)


class BusyOnceEngine(GatedEngine):
    """Answers each pair's first job with `PairBusyError` (held elsewhere), then runs."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[SyncJob] = []

    async def run(self, job: SyncJob) -> SyncRun:
        if not any(_key_of(j) == _key_of(job) for j in self.refused):
            self.refused.append(job)
            raise PairBusyError(f"{job.connection_id}/{job.resource} is held elsewhere", 0.01)
        return await super().run(job)


def _key_of(job: SyncJob) -> tuple[str, str]:
    return job.connection_id, job.resource


async def test_a_full_job_whose_pair_is_busy_elsewhere_runs_once_it_is_free() -> None:
    """A full job refused because another process syncs its pair is tried again after the
    wait and runs (never dropped); an incremental one is recorded as a failure instead."""
    engine = BusyOnceEngine()
    runner = EmbeddedRunner(engine)
    engine.gate("c1", "contacts").set()
    engine.gate("c2", "contacts").set()
    runner.submit(SyncJob("c1", "contacts", full=True))
    runner.submit(SyncJob("c2", "contacts"))
    runs = await runner.join()
    assert [(r.connection_id, r.mode) for r in runs] == [("c1", "full")]
    assert [job.full for job in engine.started] == [True]
    [failure] = runner.failures
    assert failure.job == SyncJob("c2", "contacts")
    assert failure.error.startswith("PairBusyError: c2/contacts is held elsewhere")


class RecordingRunner:
    """A runner that notes which thread each call came from."""

    def __init__(self, *, blocking: bool) -> None:
        self.blocking = blocking
        self.threads: list[int] = []
        self.submitted: list[SyncJob] = []

    def active(self) -> set[tuple[str, str]]:
        self.threads.append(threading.get_ident())
        return {("c1", "contacts")}

    def submit(self, job: SyncJob) -> None:
        self.threads.append(threading.get_ident())
        self.submitted.append(job)

    async def join(self) -> list[SyncRun]:
        return []

    async def aclose(self) -> None:
        return None


@pytest.mark.parametrize("blocking", [True, False])
async def test_enqueue_calls_a_blocking_runner_off_the_loop(blocking: bool) -> None:
    """A runner that does network I/O (Celery's) is called on a thread, never on the event
    loop; an in-process one on the loop itself. Either way every job is submitted and the
    pairs already queued are reported."""
    runner = RecordingRunner(blocking=blocking)
    jobs = [SyncJob("c1", "contacts"), SyncJob("c1", "companies")]
    already = await enqueue(runner, jobs)
    assert already == {("c1", "contacts")}
    assert runner.submitted == jobs
    loop_thread = threading.get_ident()
    assert len(runner.threads) == 3
    assert all((ident != loop_thread) is blocking for ident in runner.threads)
