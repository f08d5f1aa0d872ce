"""One test's world: vendors on loopback, a PostgreSQL store with connections, worker settings."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.scale._cluster import Deployment, schema_url

from interlink.cli._fleet import DEMO_VENDORS, Fleet
from interlink.store import AsyncStore, ConnectionRow, open_store
from interlink.sync import listable_resources
from interlink.vault import Vault, default_key_source

__all__ = ["World", "world"]


@dataclass
class World:
    fleet: Fleet
    store: AsyncStore
    deployment: Deployment
    connections: list[ConnectionRow]

    def pairs(self) -> list[tuple[ConnectionRow, str]]:
        """Every (connection, resource) the test syncs."""
        resources = listable_resources()
        return [(row, name) for row in self.connections for name in resources(row)]

    def expected(self, row: ConnectionRow, resource: str) -> int:
        return self.fleet.expected(row.provider, resource)


@asynccontextmanager
async def world(
    *,
    postgres_url: str,
    schema: str,
    redis_url: str,
    redis_prefix: str,
    broker_url: str,
    tmp_path: Path,
    vendors: Mapping[str, int],
    records: int,
    faults: str = "none",
    credentials: Mapping[str, Mapping[str, str]] | None = None,
    auth_methods: Mapping[str, str] | None = None,
    limit_scale: float | None = None,
) -> AsyncIterator[World]:
    """`vendors[p]` connections to each vendor p's simulator (one tenant), each syncing
    the resources the demo syncs; the workers' settings point at all of it."""
    key_file = tmp_path / "secret.key"
    async with Fleet.serve(list(vendors), records=records, faults=faults) as fleet:
        if limit_scale is not None:  # the vendors enforce their documented limits exactly
            for sim in fleet.simulators.values():
                sim.faults.configure(
                    dataclasses.replace(sim.faults.config, limit_scale=limit_scale)
                )
        store = open_store(postgres_url, schema=schema)
        vault = Vault(store, default_key_source(key_file))
        tenant = store.create_tenant("scale-test")
        rows: list[ConnectionRow] = []
        for provider, count in vendors.items():
            given = (credentials or {}).get(provider) or fleet.credentials(provider)
            method = (auth_methods or {}).get(provider) or None
            for i in range(count):
                row = store.create_connection(
                    tenant.id, provider,
                    auth_method=method or _default_method(provider),
                    variables=fleet.variables(provider), name=f"{provider}-{i}",
                    settings={"resources": fleet.resources(provider)},
                )  # fmt: skip
                vault.put(row.id, given)
                rows.append(row)
        deployment = Deployment(
            database_url=schema_url(postgres_url, schema),
            key_file=key_file,
            redis_url=redis_url,
            redis_prefix=redis_prefix,
            broker_url=broker_url,
            routes=fleet.routes,
        )
        astore = AsyncStore(store)
        try:
            yield World(fleet, astore, deployment, rows)
        finally:
            await astore.aclose()


def _default_method(provider: str) -> str:
    from interlink.connectors import ConnectorRegistry

    assert provider in DEMO_VENDORS
    return ConnectorRegistry.default().get(provider).default_auth
