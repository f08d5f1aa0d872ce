"""Checkpoints and sync runs: defaults, scheduling, outcomes and crash recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.store.conftest import Seeded

from interlink._clock import FakeClock
from interlink.errors import StoreError
from interlink.store import Checkpoint, RunStats, Store


def now(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock.time(), UTC)


def test_checkpoint_defaults_then_saves_and_replaces(
    store: Store, seeded: Seeded, clock: FakeClock
) -> None:
    """Unsynced: an empty checkpoint; a saved one reads back and is replaced whole."""
    assert store.get_checkpoint(seeded.connection.id, "contacts") == Checkpoint(
        seeded.connection.id, "contacts"
    )
    first = Checkpoint(
        seeded.connection.id,
        "contacts",
        watermark=datetime(2026, 1, 1, tzinfo=UTC),
        resume={"next": {"after": "abc"}, "mode": "incremental"},
        next_run_at=datetime(2026, 1, 1, 0, 5, tzinfo=UTC),
        last_full_at=datetime(2025, 12, 31, tzinfo=UTC),
    )
    store.save_checkpoint(first)
    stored = store.get_checkpoint(seeded.connection.id, "contacts")
    assert stored.resume == first.resume
    assert (stored.watermark, stored.next_run_at, stored.last_full_at) == (
        first.watermark,
        first.next_run_at,
        first.last_full_at,
    )
    assert stored.updated_at == now(clock)
    store.save_checkpoint(Checkpoint(seeded.connection.id, "contacts", watermark=first.watermark))
    again = store.get_checkpoint(seeded.connection.id, "contacts")
    assert (again.resume, again.next_run_at) == (None, None)


def test_due_checkpoints_are_active_and_soonest_first(store: Store, seeded: Seeded) -> None:
    """Due means next_run_at has come, on an active connection; soonest first."""
    t = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    paused = store.create_connection(seeded.tenant.id, "zendesk", auth_method="x", variables={})
    cid = seeded.connection.id
    store.save_checkpoint(Checkpoint(cid, "contacts", next_run_at=t - timedelta(minutes=1)))
    store.save_checkpoint(Checkpoint(cid, "companies", next_run_at=t - timedelta(minutes=5)))
    store.save_checkpoint(Checkpoint(cid, "deals", next_run_at=t + timedelta(minutes=1)))
    store.save_checkpoint(Checkpoint(cid, "notes"))
    store.save_checkpoint(Checkpoint(paused.id, "tickets", next_run_at=t - timedelta(hours=1)))
    store.update_connection(paused.id, status="disabled")
    due = store.due_checkpoints(t)
    assert [(cp.connection_id, cp.resource) for cp in due] == [
        (cid, "companies"),
        (cid, "contacts"),
    ]


def test_run_lifecycle(store: Store, seeded: Seeded, clock: FakeClock) -> None:
    """A run starts `running` at zero and finishes with its outcome, stats and duration."""
    run = seeded.run
    assert (run.outcome, run.stats, run.finished_at, run.duration) == (
        "running",
        RunStats(),
        None,
        None,
    )
    assert store.get_run(run.id) == run
    clock.advance(42)
    stats = RunStats(seen=10, created=7, updated=2, unchanged=1, requests=3, mapping_errors=1)
    retry_at = now(clock) + timedelta(minutes=10)
    finished = store.finish_run(
        run.id, outcome="deferred", stats=stats, error="budget spent", next_attempt_at=retry_at
    )
    assert (finished.outcome, finished.stats, finished.error) == ("deferred", stats, "budget spent")
    assert finished.next_attempt_at == retry_at
    assert finished.duration == 42
    assert store.get_run(run.id) == finished


def test_finish_run_saves_its_checkpoint_in_the_same_call(store: Store, seeded: Seeded) -> None:
    """The checkpoint given to finish_run is stored with the outcome."""
    cp = Checkpoint(seeded.connection.id, "contacts", next_run_at=datetime(2026, 7, 1, tzinfo=UTC))
    store.finish_run(seeded.run.id, outcome="succeeded", stats=RunStats(), checkpoint=cp)
    assert store.get_checkpoint(seeded.connection.id, "contacts").next_run_at == cp.next_run_at


def test_run_mistakes_are_named(store: Store, seeded: Seeded) -> None:
    """Unknown mode, outcome, run or connection: a StoreError naming it, nothing written."""
    with pytest.raises(StoreError, match="mode 'sometimes'"):
        store.start_run(seeded.connection.id, "contacts", "sometimes")  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="no connection 'conn_ghost'"):
        store.start_run("conn_ghost", "contacts", "full")
    with pytest.raises(StoreError, match="outcome 'running'"):
        store.finish_run(seeded.run.id, outcome="running", stats=RunStats())
    with pytest.raises(StoreError, match="no sync run 'run_ghost'"):
        store.finish_run("run_ghost", outcome="failed", stats=RunStats())
    assert store.get_run("run_ghost") is None
    assert store.list_runs() == [seeded.run]


def test_list_runs_newest_first_by_connection_and_tenant(
    store: Store, seeded: Seeded, clock: FakeClock
) -> None:
    """Runs list newest first (ties by id), per connection or tenant, up to `limit`."""
    other_tenant = store.create_tenant("Globex", tenant_id="ten_other")
    other = store.create_connection(other_tenant.id, "zendesk", auth_method="x", variables={})
    clock.advance(1)
    second = store.start_run(seeded.connection.id, "companies", "full")
    third = store.start_run(other.id, "tickets", "incremental")  # same instant as `second`
    assert [r.id for r in store.list_runs()] == [third.id, second.id, seeded.run.id]
    assert [r.id for r in store.list_runs(connection_id=seeded.connection.id)] == [
        second.id,
        seeded.run.id,
    ]
    assert [r.id for r in store.list_runs(tenant_id="ten_other")] == [third.id]
    assert [r.id for r in store.list_runs(limit=1)] == [third.id]


def test_abandon_running_closes_only_that_resources_running_runs(
    store: Store, seeded: Seeded
) -> None:
    """Runs a crash left `running` become failed "interrupted"; finished runs and other
    resources are untouched."""
    crashed_too = store.start_run(seeded.connection.id, "contacts", "full")
    done = store.start_run(seeded.connection.id, "contacts", "incremental")
    store.finish_run(done.id, outcome="succeeded", stats=RunStats())
    elsewhere = store.start_run(seeded.connection.id, "companies", "incremental")
    assert store.abandon_running(seeded.connection.id, "contacts") == 2
    for run_id in (seeded.run.id, crashed_too.id):
        run = store.get_run(run_id)
        assert run is not None
        assert (run.outcome, run.error) == ("failed", "interrupted")
        assert run.finished_at is not None
    finished = store.get_run(done.id)
    assert finished is not None
    assert finished.outcome == "succeeded"
    running = store.get_run(elsewhere.id)
    assert running is not None
    assert running.outcome == "running"
    assert store.abandon_running(seeded.connection.id, "contacts") == 0
