"""A run's statistics agree with what the vendor saw: requests, retries, 429s absorbed, duration."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.sync._kit import World

from interlink import ASGITransport, State
from interlink.simulators import FaultConfig, Simulator, create_simulator
from interlink.sync import StoreConnections, SyncEngine, SyncJob

RECORDS = 600  # 6 pages of HubSpot's 100


async def sync_hubspot(world: World, sim: Simulator) -> tuple[SyncEngine, str]:
    """A HubSpot connection on the simulator's own private-app token, and an engine for it."""
    token = sim.default_token.value  # type: ignore[attr-defined]
    conn = await world.connection("hubspot", {"access_token": token}, auth_method="private_app")
    source = StoreConnections(
        world.store, world.vault, state=State.in_process(clock=world.clock),
        transport=ASGITransport(sim.app), clock=world.clock,
    )  # fmt: skip
    return SyncEngine(world.store, source, clock=world.clock), conn.id


async def test_a_run_counts_the_429s_it_absorbed_its_retries_and_requests_as_the_vendor_saw(
    world: World,
) -> None:
    """Every 429 the vendor answered is counted as absorbed; every 429 and 503 as a retry;
    every request the vendor saw as a request; and the stored run says the same."""
    faults = FaultConfig(error_rates={429: 0.25, 503: 0.1}, seed=7)
    sim = create_simulator("hubspot", records=RECORDS, clock=world.clock, faults=faults)
    async with sim:
        engine, conn_id = await sync_hubspot(world, sim)
        run = await engine.run(SyncJob(conn_id, "contacts"))
    assert (run.outcome, run.error) == ("succeeded", None)
    assert run.stats.created == RECORDS
    refused = sim.counters.count(status=503)
    assert sim.counters.rate_limited > 0  # void if the vendor never refused
    assert refused > 0
    assert run.stats.absorbed_429s == sim.counters.rate_limited
    assert run.stats.retries == sim.counters.rate_limited + refused
    assert run.stats.requests == sim.counters.total_requests == RECORDS // 100 + run.stats.retries
    stored = await world.store.list_runs(connection_id=conn_id)
    assert [r.stats for r in stored] == [run.stats]


async def test_a_runs_duration_is_the_time_it_took_on_the_engines_clock(world: World) -> None:
    """Waiting out 429s moves the injected clock; the run's duration is exactly that time."""
    sim = create_simulator(
        "hubspot", records=RECORDS, clock=world.clock, faults=FaultConfig(limit_scale=0.05)
    )
    async with sim:
        engine, conn_id = await sync_hubspot(world, sim)
        before = world.clock.time()
        run = await engine.run(SyncJob(conn_id, "contacts"))
        after = world.clock.time()
    assert run.outcome == "succeeded"
    assert run.started_at == datetime.fromtimestamp(before, UTC)
    assert run.finished_at == datetime.fromtimestamp(after, UTC)
    assert run.duration == pytest.approx(after - before, abs=1e-6)
    assert run.duration is not None
    assert run.duration > 0  # waits on the fake clock, so the clock is what was read
    (stored,) = await world.store.list_runs(connection_id=conn_id)
    assert stored.duration == run.duration
