"""CeleryRunner in a long-lived submitter (the scheduler, a server): what it remembers of
finished jobs stays bounded however long it runs."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from interlink.sync import CeleryRunner, SyncJob


class Finished:
    """A task result that is already in: a run id, or the exception the task raised."""

    def __init__(self, value: Any) -> None:
        self.result = value

    def ready(self) -> bool:
        return True

    def successful(self) -> bool:
        return not isinstance(self.result, Exception)

    def forget(self) -> None:
        return None


class Broker:
    """Stands in for the Celery app: every task sent has finished by the next look."""

    class conf:  # noqa: N801 (the attribute Celery apps have)
        broker_url = "memory://"

    def __init__(self) -> None:
        self.sent = 0

    def send_task(self, name: str, args: tuple[Any, ...]) -> Finished:
        self.sent += 1
        connection_id = args[0]
        if connection_id.startswith("bad"):
            return Finished(RuntimeError(f"{connection_id} exploded"))
        return Finished({"run_id": f"run-{connection_id}", "outcome": "succeeded"})


def test_only_the_latest_finished_runs_and_failures_are_kept() -> None:
    """Thousands of jobs finished and never taken leave the latest `keep` run ids and
    failures in memory, not all of them."""
    runner = CeleryRunner(Broker(), store=None, keep=3)  # type: ignore[arg-type]
    for i in range(2000):
        runner.submit(SyncJob(f"ok{i}", "contacts"))
        runner.submit(SyncJob(f"bad{i}", "contacts"))
        runner.active()  # a scheduler tick: collects what finished
    assert runner._done == ["run-ok1997", "run-ok1998", "run-ok1999"]
    assert [f.job.connection_id for f in runner.failures] == ["bad1997", "bad1998", "bad1999"]
    assert runner.failures[-1].error == "RuntimeError: bad1999 exploded"
    with pytest.raises(ValueError, match="keep must be >= 1, got 0"):
        CeleryRunner(Broker(), store=None, keep=0)  # type: ignore[arg-type]


class SlowBroker(Broker):
    """A broker whose publish takes a moment (a network round trip), results never in."""

    def send_task(self, name: str, args: tuple[Any, ...]) -> Any:
        self.sent += 1
        time.sleep(0.01)  # the window in which a second thread could slip past the check

        class Pending:
            def ready(self) -> bool:
                return False

        return Pending()


def test_submits_from_many_threads_at_once_send_each_pair_once() -> None:
    """Eight threads submitting the same pair at once (a server enqueueing off its loop)
    send one task; the other seven coalesce."""
    broker = SlowBroker()
    runner = CeleryRunner(broker, store=None)  # type: ignore[arg-type]
    barrier = threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        runner.submit(SyncJob("c1", "contacts"))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert broker.sent == 1
    assert runner.coalesced == 7
    assert runner.active() == {("c1", "contacts")}
