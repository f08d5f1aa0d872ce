"""EmbeddedRunner driving the real engine against vendor simulators.

Broken connections (refused credentials, a vendor that never answers) beside
healthy ones over real loopback HTTP; and concurrent runs sharing one provider
credential staying inside the vendor's limit, because they share one `State`.
"""

from __future__ import annotations

from pathlib import Path

from tests.sync._kit import World
from tests.sync._loopback import serving

from interlink import ASGITransport, State
from interlink.cli._fleet import Fleet
from interlink.http import AiohttpTransport, RoutedTransport
from interlink.simulators import FaultConfig, create_simulator
from interlink.store import AsyncStore, open_store
from interlink.sync import EmbeddedRunner, StoreConnections, SyncEngine, SyncJob
from interlink.vault import FileKeySource, Vault

HEALTHY = ("stripe", "github", "pipedrive")


async def test_broken_connections_never_stall_the_healthy_ones(tmp_path: Path) -> None:
    """A refused token fails its run with the vendor's reason and stores nothing; a vendor
    that hangs is cut off by the runner's timeout and its run closed as failed; every
    healthy connection beside them syncs all its records."""
    store = AsyncStore(open_store(f"sqlite:///{tmp_path / 'interlink.db'}"))
    vault = Vault(store.store, FileKeySource(tmp_path / "secret.key"))
    tenant = await store.create_tenant("Acme")
    hanging = create_simulator("zendesk", records=50, faults=FaultConfig(timeout_rate=1.0))
    async with (
        Fleet.serve([*HEALTHY, "hubspot"], records=120) as fleet,
        serving(hanging.app) as hang_base,
    ):
        jobs: list[SyncJob] = []
        ids: dict[str, str] = {}
        for provider in HEALTHY:
            row = await store.create_connection(
                tenant.id, provider, auth_method="default" if provider != "pipedrive"
                else "api_token", variables=fleet.variables(provider),
            )  # fmt: skip
            await store.call(vault.put, row.id, fleet.credentials(provider))
            ids[provider] = row.id
            jobs += [SyncJob(row.id, resource) for resource in fleet.resources(provider)]
        refused = await store.create_connection(
            tenant.id, "hubspot", auth_method="private_app", variables={}
        )
        await store.call(vault.put, refused.id, {"access_token": "pat-revoked-long-ago"})
        hangs = await store.create_connection(
            tenant.id, "zendesk", auth_method="api_token", variables={"subdomain": "hang"}
        )
        await store.call(vault.put, hangs.id, {"email": "ops@acme.test", "api_token": "any-token"})
        routes = {**fleet.routes, "hang.zendesk.com": hang_base}
        source = StoreConnections(
            store, vault, transport=RoutedTransport(routes, AiohttpTransport(timeout=2.0))
        )
        runner = EmbeddedRunner(SyncEngine(store, source), concurrency=4, timeout=6.0)
        runner.submit(SyncJob(hangs.id, "tickets"))
        runner.submit(SyncJob(refused.id, "contacts"))
        for job in jobs:
            runner.submit(job)
        runs = await runner.join()
        await runner.aclose()
        await source.close()

    by_pair = {(r.connection_id, r.resource): r for r in runs}
    for job in jobs:
        run = by_pair[(job.connection_id, job.resource)]
        assert run.outcome == "succeeded", run
        assert await store.count_records(connection_id=job.connection_id,
                                         resource=job.resource) == 120  # fmt: skip
    failed = by_pair[(refused.id, "contacts")]
    assert failed.outcome == "failed"
    assert "401" in (failed.error or "")
    assert await store.count_records(connection_id=refused.id) == 0
    assert [f.job.connection_id for f in runner.failures] == [hangs.id]
    assert "no result within 6 s" in runner.failures[0].error
    (cut_off,) = await store.list_runs(connection_id=hangs.id)
    assert cut_off.outcome == "failed"
    await store.aclose()


async def test_runs_sharing_a_credential_share_its_limit(world: World) -> None:
    """Two connections on one Stripe key, both resources each, run at once: one limiter
    for the key keeps them at the declared 25 requests/s together, so the vendor never
    answers 429, and every record arrives. (The vendor allows 30/s here: a window's edge
    is the vendor's arrival time, not the client's send time, so an exact-limit vendor
    can see one request early; with a limiter per connection it sees 50/s and refuses.)"""
    sim = create_simulator(
        "stripe", records=1_500, clock=world.clock, faults=FaultConfig(limit_scale=1.2)
    )
    key = {"api_key": sim.default_key.value}  # type: ignore[attr-defined]
    first = await world.connection("stripe", key)
    second = await world.connection("stripe", key)
    source = StoreConnections(
        world.store, world.vault, state=State.in_process(clock=world.clock),
        transport=ASGITransport(sim.app), clock=world.clock,
    )  # fmt: skip
    runner = EmbeddedRunner(SyncEngine(world.store, source, clock=world.clock), concurrency=8)
    for conn in (first, second):
        for resource in ("customers", "invoices"):
            runner.submit(SyncJob(conn.id, resource))
    runs = await runner.join()
    assert [r.outcome for r in runs] == ["succeeded"] * 4
    assert sum(r.stats.requests for r in runs) >= 60  # 15 pages each: well past 25 in a second
    assert sim.counters.rate_limited == 0
    for conn in (first, second):
        assert await world.store.count_records(connection_id=conn.id) == 3_000
    await runner.aclose()
