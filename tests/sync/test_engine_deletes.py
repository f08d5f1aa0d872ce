"""Deletions: the vendor's deleted listing, or a full reconciliation after a complete listing."""

from __future__ import annotations

from datetime import timedelta

from tests.connectors._simkit import running
from tests.sync._kit import PAGE, TOKEN, Ledger, World

from interlink import ASGITransport, FakeClock
from interlink.http import Request, Response, respond
from interlink.simulators import FaultConfig, SchemaDrift, Simulator
from interlink.store import RunStats, SyncRun
from interlink.sync import SyncJob


async def test_hubspot_archived_contacts_arrive_through_the_deleted_listing(
    world: World, clock: FakeClock
) -> None:
    """Archived at HubSpot -> the next incremental run marks them deleted, one event each."""
    async with running("hubspot", clock, records=250) as sim:
        conn = await world.connection(
            "hubspot",
            {"access_token": sim.default_token.value},
            auth_method="private_app",  # type: ignore[attr-defined]
        )
        engine = world.engine(ASGITransport(sim.app))
        first = await engine.run(SyncJob(conn.id, "contacts"))
        assert (first.outcome, first.mode, first.stats.created) == ("succeeded", "full", 250)
        contacts = sim.collections["contacts"]
        clock.advance(60)
        gone = [str(contacts.first_id + 7), str(contacts.first_id + 100)]
        for remote_id in gone:
            assert contacts.archive(int(remote_id), clock.time()) is not None
        second = await engine.run(SyncJob(conn.id, "contacts"))
    assert (second.outcome, second.mode) == ("succeeded", "incremental")
    assert second.stats.deleted == 2
    events = await world.store.change_events(connection_id=conn.id, after_seq=250)
    assert sorted((e.kind, e.remote_id) for e in events) == [("deleted", i) for i in sorted(gone)]
    for remote_id in gone:
        record = await world.store.get_record_by_remote(conn.id, "contacts", remote_id)
        assert record is not None
        assert record.remote_was_deleted
    assert await world.store.count_records(connection_id=conn.id) == 248


async def test_without_a_deleted_listing_a_periodic_full_run_reconciles(
    world: World, ledger: Ledger
) -> None:
    """A record gone from the vendor stays until the next full run, which marks it deleted."""
    conn = await world.connection("ledger", {"token": TOKEN})
    engine = world.ledger_engine(ledger, full_every=timedelta(hours=24))
    await engine.run(SyncJob(conn.id, "contacts"))
    del ledger.records["r001"]
    world.clock.advance(3600)
    incremental = await engine.run(SyncJob(conn.id, "contacts"))
    assert (incremental.mode, incremental.stats.deleted) == ("incremental", 0)
    world.clock.advance(86_400)
    full = await engine.run(SyncJob(conn.id, "contacts"))
    assert (full.mode, full.stats.deleted, full.stats.unchanged) == ("full", 1, 9)
    record = await world.store.get_record_by_remote(conn.id, "contacts", "r001")
    assert record is not None
    assert record.remote_was_deleted
    assert await world.store.count_records(connection_id=conn.id) == 9


async def test_an_interrupted_full_listing_deletes_nothing_until_it_completes(
    world: World, ledger: Ledger
) -> None:
    """A full run that fails midway reconciles nothing; resumed, it spares the pages read before."""
    conn = await world.connection("ledger", {"token": TOKEN})
    engine = world.ledger_engine(ledger)
    await engine.run(SyncJob(conn.id, "contacts"))
    del ledger.records["r001"]
    world.clock.advance(60)

    def fail_page_3(request: Request, n: int) -> Response | None:
        if request.params.get("cursor") == str(2 * PAGE):
            return respond(request, 503, json={"message": "maintenance"})
        return None

    ledger.fail = fail_page_3
    failed = await engine.run(SyncJob(conn.id, "contacts", full=True))
    assert (failed.outcome, failed.mode, failed.stats.deleted) == ("failed", "full", 0)
    assert await world.store.count_records(connection_id=conn.id) == 10
    ledger.fail = None
    world.clock.advance(60)
    resumed = await engine.run(SyncJob(conn.id, "contacts"))
    assert (resumed.outcome, resumed.mode, resumed.stats.deleted) == ("succeeded", "full", 1)
    assert await world.store.count_records(connection_id=conn.id) == 9


class DriftAfterFirstPage:
    """An observer that makes the vendor start sending a new field once page 1 is committed."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def on_page(self, job: SyncJob, stats: RunStats) -> None:
        self.sim.faults.configure(FaultConfig(drift=SchemaDrift(add={"surpriseField": "x"})))

    def on_finish(self, run: SyncRun) -> None:
        return None


async def test_schema_drift_seen_while_syncing_is_recorded(world: World, clock: FakeClock) -> None:
    """HubSpot starting to send a new field mid-listing: the run records a new_field finding."""
    async with running("hubspot", clock, records=300) as sim:
        token = {"access_token": sim.default_token.value}  # type: ignore[attr-defined]
        conn = await world.connection("hubspot", token, auth_method="private_app")
        engine = world.engine(
            ASGITransport(sim.app), observer=DriftAfterFirstPage(sim), overlap=False
        )
        run = await engine.run(SyncJob(conn.id, "contacts"))
    assert run.outcome == "succeeded"
    found = await world.store.list_drift(conn.id, "contacts")
    assert [(d.kind, d.field) for d in found] == [("new_field", "properties.surpriseField")]
    # Page 1 set the baseline; the next page may already have been in flight (prefetch).
    assert 1 <= found[0].count <= 2


async def test_drift_between_two_runs_is_reported_by_the_second(
    world: World, clock: FakeClock
) -> None:
    """A field HubSpot starts sending between two runs is a new_field of the second run:
    the first run's baseline is saved with its checkpoint and loaded by the next."""
    async with running("hubspot", clock, records=150) as sim:
        token = {"access_token": sim.default_token.value}  # type: ignore[attr-defined]
        conn = await world.connection("hubspot", token, auth_method="private_app")
        engine = world.engine(ASGITransport(sim.app), overlap=False)
        first = await engine.run(SyncJob(conn.id, "contacts"))
        assert first.outcome == "succeeded"
        assert await world.store.list_drift(conn.id, "contacts") == []
        saved = (await world.store.get_checkpoint(conn.id, "contacts")).drift_profile
        assert saved is not None
        assert "properties.email" in saved
        sim.faults.configure(FaultConfig(drift=SchemaDrift(add={"surpriseField": "x"})))
        second = await engine.run(SyncJob(conn.id, "contacts", full=True))
    assert second.outcome == "succeeded"
    found = await world.store.list_drift(conn.id, "contacts")
    assert [(d.kind, d.field) for d in found] == [("new_field", "properties.surpriseField")]
