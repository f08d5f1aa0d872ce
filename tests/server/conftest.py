"""The API as deployed, in process: a SQLite store and vault, HubSpot simulators over ASGI,
the sync engine and embedded runner, two tenants with a synced connection and a key each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from interlink import ASGITransport
from interlink._clock import FakeClock
from interlink.connectors import ConnectorRegistry
from interlink.server import Metrics, create_app
from interlink.server._keys import ApiKeys
from interlink.server._metrics import MeteredTransport, SyncMetrics
from interlink.simulators import create_simulator
from interlink.simulators.hubspot import HubSpotSimulator
from interlink.state import State
from interlink.store import AsyncStore, ConnectionRow, Tenant, open_store
from interlink.sync import EmbeddedRunner, StoreConnections, SyncEngine, SyncJob
from interlink.vault import FileKeySource, Vault

BASE = "http://api.test"


@dataclass
class Side:
    """One tenant: its key's client, its HubSpot connection, and its vendor."""

    tenant: Tenant
    connection: ConnectionRow
    client: httpx2.AsyncClient
    vendor: HubSpotSimulator
    key: str
    key_id: str


@dataclass
class Api:
    """Two tenants on one server; `a` and `b` never see each other's data."""

    a: Side
    b: Side
    store: AsyncStore
    vault: Vault
    metrics: Metrics
    runner: EmbeddedRunner
    app: object
    anonymous: httpx2.AsyncClient

    def client(self, key: str, *, raise_errors: bool = True) -> httpx2.AsyncClient:
        transport = httpx2.ASGITransport(app=self.app, raise_app_exceptions=raise_errors)  # type: ignore[arg-type]
        return httpx2.AsyncClient(
            transport=transport, base_url=BASE, headers={"Authorization": f"Bearer {key}"}
        )


class _ByToken:
    """One transport reaching each tenant's own simulator, chosen by the bearer token."""

    def __init__(self, sims: dict[str, HubSpotSimulator]) -> None:
        self._by_token = {
            f"Bearer {sim.default_token.value}": ASGITransport(sim.app) for sim in sims.values()
        }
        self._first = next(iter(self._by_token.values()))

    async def send(self, request):  # type: ignore[no-untyped-def]
        transport = self._by_token.get(request.headers.get("Authorization", ""), self._first)
        return await transport.send(request)

    async def aclose(self) -> None:
        return None


async def scrape(api: Api) -> Callable[..., float]:
    """GET /metrics once; a function reading one sample of it (0 when absent)."""
    text = (await api.anonymous.get("/metrics")).text
    samples = [s for family in text_string_to_metric_families(text) for s in family.samples]

    def value(name: str, **labels: str) -> float:
        found = [s.value for s in samples if s.name == name and s.labels == labels]
        return found[0] if found else 0.0

    return value


@pytest.fixture
async def api(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Api]:
    """The server with tenants Acme (a) and Globex (b), each with 20 synced HubSpot contacts."""
    store = AsyncStore(open_store(f"sqlite:///{tmp_path / 'interlink.db'}", clock=clock))
    vault = Vault(store.store, FileKeySource(tmp_path / "secret.key"))
    sims = {
        name: create_simulator("hubspot", records=20, clock=clock, seed=seed)
        for name, seed in (("a", 1), ("b", 2))
    }
    for sim in sims.values():
        await sim.__aenter__()
    registry = ConnectorRegistry.default()
    metrics = Metrics()
    transport = MeteredTransport(_ByToken(sims), metrics, registry)  # type: ignore[arg-type]
    state = State.in_process(clock=clock)
    connections = StoreConnections(
        store, vault, transport=transport, clock=clock, registry=registry, state=state
    )
    observer = SyncMetrics(metrics)
    engine = SyncEngine(store, connections, clock=clock, observer=observer)
    runner = EmbeddedRunner(engine, concurrency=2)
    app = create_app(
        store,
        connections,
        runner=runner,
        registry=registry,
        clock=clock,
        metrics=metrics,
        auth_ttl=0,
        breakers=state.breakers,
    )
    keys = ApiKeys(store.store)
    sides = {}
    clients = []
    for name, tenant_name in (("a", "Acme"), ("b", "Globex")):
        sim = sims[name]
        tenant = await store.create_tenant(tenant_name)
        row = await store.create_connection(
            tenant.id, "hubspot", auth_method="private_app", variables={}
        )
        vault.put(row.id, {"access_token": sim.default_token.value})
        observer.provider_of(row.id, "hubspot")
        run = await engine.run(SyncJob(row.id, "contacts"))
        assert run.outcome == "succeeded", run.error
        issued = keys.create(tenant.id, "test")
        key = issued.secret
        client = httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app),
            base_url=BASE,
            headers={"Authorization": f"Bearer {key}"},
        )
        clients.append(client)
        sides[name] = Side(tenant, row, client, sim, key, issued.key.id)  # type: ignore[arg-type]
    anonymous = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE)
    try:
        yield Api(sides["a"], sides["b"], store, vault, metrics, runner, app, anonymous)
    finally:
        for client in [*clients, anonymous]:
            await client.aclose()
        await runner.aclose()
        await connections.close()
        for sim in sims.values():
            await sim.__aexit__(None, None, None)
        await store.aclose()
