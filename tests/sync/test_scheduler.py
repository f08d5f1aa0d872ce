"""Scheduler: due (connection, resource) pairs run at their interval through the real engine."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.sync._kit import LEDGER_SPEC, TOKEN, Ledger, World

from interlink import FakeClock
from interlink.connectors import ConnectorRegistry, load_spec_text
from interlink.http import MockTransport
from interlink.store import ConnectionRow
from interlink.sync import EmbeddedRunner, Scheduler, SyncJob, listable_resources

INTERVAL = timedelta(minutes=10)


def _scheduler(world: World, ledger: Ledger, **options: object) -> Scheduler:
    runner = EmbeddedRunner(world.ledger_engine(ledger))
    return Scheduler(
        world.store, runner, clock=world.clock,
        interval_for=lambda connection, resource: INTERVAL,
        resources_for=listable_resources(ConnectorRegistry([LEDGER_SPEC])),
        **options,  # type: ignore[arg-type]
    )  # fmt: skip


def _now(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock.time(), UTC)


async def test_a_never_synced_pair_is_due_and_runs(world: World, ledger: Ledger) -> None:
    """The first tick submits every resource of a new connection; the run stores the records."""
    conn = await world.connection("ledger", {"token": TOKEN})
    scheduler = _scheduler(world, ledger)
    assert await scheduler.tick() == [SyncJob(conn.id, "contacts")]
    (run,) = await scheduler.runner.join()
    assert run.outcome == "succeeded"
    assert run.stats.created == 10


async def test_a_run_pair_waits_its_interval(world: World, ledger: Ledger) -> None:
    """After a run, the pair is not due again until the interval has passed; then it runs
    incrementally."""
    conn = await world.connection("ledger", {"token": TOKEN})
    scheduler = _scheduler(world, ledger)
    started = _now(world.clock)
    await scheduler.tick()
    await scheduler.runner.join()
    checkpoint = await world.store.get_checkpoint(conn.id, "contacts")
    assert checkpoint.next_run_at == started + INTERVAL
    assert checkpoint.watermark is not None  # the engine kept the claim and set its watermark
    world.clock.advance(INTERVAL.total_seconds() - 1)
    assert await scheduler.tick() == []
    world.clock.advance(1)
    assert await scheduler.tick() == [SyncJob(conn.id, "contacts")]
    (run,) = await scheduler.runner.join()
    assert run.mode == "incremental"
    assert run.stats.created == 0


async def test_a_running_pair_is_left_alone(world: World, ledger: Ledger) -> None:
    """A tick while the pair still runs neither resubmits nor touches its checkpoint."""
    conn = await world.connection("ledger", {"token": TOKEN})
    scheduler = _scheduler(world, ledger)
    await scheduler.tick()
    world.clock.advance(INTERVAL.total_seconds() * 3)  # overdue, but still running
    assert scheduler.runner.active() == {(conn.id, "contacts")}
    assert await scheduler.tick() == []
    runs = await scheduler.runner.join()
    assert len(runs) == 1


async def test_a_failed_run_is_retried_one_interval_later_not_in_a_loop(
    world: World, ledger: Ledger
) -> None:
    """Wrong credentials fail the run; the pair is due again only after its interval."""
    conn = await world.connection("ledger", {"token": "wrong"})
    scheduler = _scheduler(world, ledger)
    await scheduler.tick()
    (run,) = await scheduler.runner.join()
    assert run.outcome == "failed"
    assert "invalid or revoked" in (run.error or "")
    assert await scheduler.tick() == []
    world.clock.advance(INTERVAL.total_seconds())
    assert await scheduler.tick() == [SyncJob(conn.id, "contacts")]
    await scheduler.runner.join()


async def test_disabled_connections_and_own_intervals(world: World, ledger: Ledger) -> None:
    """A disabled connection is skipped; a connection's own interval beats the default."""
    off = await world.connection("ledger", {"token": TOKEN})
    await world.store.update_connection(off.id, status="disabled")
    fast = await world.connection(
        "ledger", {"token": TOKEN}, settings={"intervals": {"contacts": 60}}
    )
    scheduler = _scheduler(world, ledger)
    assert await scheduler.tick() == [SyncJob(fast.id, "contacts")]
    await scheduler.runner.join()
    world.clock.advance(60)
    assert await scheduler.tick() == [SyncJob(fast.id, "contacts")]
    await scheduler.runner.join()


# The ledger with a second resource, `companies`, listed from the same vendor data.
TWO_RESOURCES = load_spec_text(
    (Path(__file__).parent / "ledger.yaml").read_text()
    + """
  companies:
    model: crm.company
    id: id
    list: {path: /companies, records: data}
    incremental: {path: /companies, records: data, params: {since: "{modified_after:iso}"}}
    read:
      remote_id: id
      name: first
      modified_at: {path: updated, transform: datetime}
""",
    file="ledger-two.yaml",
)


async def test_two_resources_on_different_intervals_each_run_at_their_own(
    world: World, ledger: Ledger
) -> None:
    """Contacts every 10 minutes and companies every 25: over an hour ticked each minute,
    contacts run at 0, 10, ..., 50 and companies at 0, 25, 50, neither dragging the other."""
    conn = await world.connection("ledger", {"token": TOKEN})
    every = {"contacts": timedelta(minutes=10), "companies": timedelta(minutes=25)}
    registry = ConnectorRegistry([TWO_RESOURCES])
    runner = EmbeddedRunner(world.engine(MockTransport(ledger), registry=registry))
    scheduler = Scheduler(
        world.store, runner, clock=world.clock,
        interval_for=lambda connection, resource: every[resource],
        resources_for=listable_resources(registry),
    )  # fmt: skip
    start = _now(world.clock)
    ran: dict[str, list[int]] = {"contacts": [], "companies": []}
    for minute in range(60):
        for job in await scheduler.tick():
            assert job.connection_id == conn.id
            ran[job.resource].append(minute)
        for run in await runner.join():
            assert run.outcome == "succeeded", run
        world.clock.advance(60)
    assert runner.failures == []
    assert ran == {"contacts": [0, 10, 20, 30, 40, 50], "companies": [0, 25, 50]}
    for resource, interval in every.items():  # each claim is its own last run + its interval
        checkpoint = await world.store.get_checkpoint(conn.id, resource)
        last = start + timedelta(minutes=ran[resource][-1])
        assert checkpoint.next_run_at == last + interval
    for resource in every:
        assert await world.store.count_records(connection_id=conn.id, resource=resource) == 10


class SettlingClock(FakeClock):
    """A fake clock whose sleep first lets the submitted runs finish, so each tick sees the
    store as the previous runs left it."""

    runner: EmbeddedRunner | None = None

    async def sleep(self, seconds: float) -> None:
        if self.runner is not None:
            await self.runner.join()
        await super().sleep(seconds)


async def test_serve_ticks_on_the_injected_clock(world: World, ledger: Ledger) -> None:
    """serve() ticks every `poll` seconds of the injected clock: with a 10-minute interval and
    a 4-minute poll, 8 ticks (32 minutes) run the pair at 0, 12 and 24 minutes."""
    conn = await world.connection("ledger", {"token": TOKEN})
    clock = SettlingClock(start=world.clock.time())
    scheduler = _scheduler(world, ledger, poll=240.0)
    scheduler.clock = clock
    clock.runner = scheduler.runner  # type: ignore[assignment]
    submitted: list[float] = []
    original = scheduler.runner.submit

    def submit(job: SyncJob) -> None:
        submitted.append(clock.monotonic())
        original(job)

    scheduler.runner.submit = submit  # type: ignore[method-assign]
    await scheduler.serve(ticks=8)
    assert submitted == [0.0, 720.0, 1440.0]
    runs = await world.store.list_runs(connection_id=conn.id)
    assert [r.outcome for r in runs] == ["succeeded"] * 3


async def test_serve_stops_when_told(world: World, ledger: Ledger) -> None:
    """A set stop event ends serve() before its next tick."""
    await world.connection("ledger", {"token": TOKEN})
    scheduler = _scheduler(world, ledger, poll=1.0)
    stop = asyncio.Event()
    stop.set()
    await scheduler.serve(stop=stop)
    assert scheduler.runner.active() == set()


def test_poll_must_be_positive(world: World, ledger: Ledger) -> None:
    """A scheduler that never sleeps would spin: refused."""
    with pytest.raises(ValueError, match="poll must be > 0"):
        _scheduler(world, ledger, poll=0)


def test_listable_resources_honours_the_connections_choice() -> None:
    """settings['resources'] narrows what is synced; otherwise every listable resource."""
    pick = listable_resources(ConnectorRegistry([LEDGER_SPEC]))
    row = ConnectionRow("c", "t", "ledger", "default", {}, {}, "active", datetime.now(UTC))
    assert pick(row) == ["contacts"]
    chosen = ConnectionRow(
        "c", "t", "ledger", "default", {}, {"resources": ["contacts"]}, "active", datetime.now(UTC)
    )
    assert pick(chosen) == ["contacts"]
