"""One test's world: vendors on loopback, a PostgreSQL store with connections, worker settings."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.scale._cluster import Deployment, schema_url

from interlink.cli._fleet import Fleet
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
    vendor_of: dict[str, str]
    """Connection id -> the vendor (simulator) it talks to."""

    def pairs(self) -> list[tuple[ConnectionRow, str]]:
        """Every (connection, resource) the test syncs."""
        resources = listable_resources()
        return [(row, name) for row in self.connections for name in resources(row)]

    def expected(self, row: ConnectionRow, resource: str) -> int:
        return self.fleet.expected(self.vendor_of[row.id], resource)


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
    oauth: Collection[str] = (),
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    providers: Mapping[str, str] | None = None,
    resources: Mapping[str, list[str]] | None = None,
) -> AsyncIterator[World]:
    """`vendors[p]` connections to each vendor p's simulator (one tenant), each syncing
    the resources the demo syncs; the workers' settings point at all of it. `overrides`
    change the vendors' fault settings (key `*`: every vendor); `providers` names the
    connector a vendor's connections use (a tuned copy), `resources` what they sync."""
    key_file = tmp_path / "secret.key"
    async with Fleet.serve(list(vendors), records=records, faults=faults) as fleet:
        for provider, sim in fleet.simulators.items():
            changes = {**(overrides or {}).get("*", {}), **(overrides or {}).get(provider, {})}
            if changes:
                sim.faults.configure(dataclasses.replace(sim.faults.config, **changes))
        store = open_store(postgres_url, schema=schema)
        vault = Vault(store, default_key_source(key_file))
        tenant = store.create_tenant("scale-test")
        rows: list[ConnectionRow] = []
        vendor_of: dict[str, str] = {}
        for vendor, count in vendors.items():
            provider = (providers or {}).get(vendor, vendor)
            if vendor in oauth:  # one grant shared by the vendor's connections
                given, method = _oauth_grant(fleet, vendor), "oauth"
            else:
                given, method = fleet.credentials(vendor), _default_method(provider)
            for i in range(count):
                row = store.create_connection(
                    tenant.id, provider,
                    auth_method=method,
                    variables=fleet.variables(vendor), name=f"{vendor}-{i}",
                    settings={"resources": (resources or {}).get(vendor)
                              or fleet.resources(vendor)},
                )  # fmt: skip
                vault.put(row.id, given)
                rows.append(row)
                vendor_of[row.id] = vendor
        deployment = Deployment(
            database_url=schema_url(postgres_url, schema),
            key_file=key_file,
            redis_url=redis_url,
            redis_prefix=redis_prefix,
            broker_url=broker_url,
            routes=fleet.routes,
            extra=dict(env or {}),
        )
        astore = AsyncStore(store)
        try:
            yield World(fleet, astore, deployment, rows, vendor_of)
        finally:
            await astore.aclose()


def _oauth_grant(fleet: Fleet, provider: str) -> dict[str, str]:
    """An OAuth app's client credentials and a refresh token the vendor granted."""
    if provider != "hubspot":
        raise ValueError(f"no OAuth grant recipe for {provider!r} (hubspot only)")
    sim: Any = fleet.simulators[provider]
    token = sim.issue_token("oauth")
    return {
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "refresh_token": token.refresh_token,
    }


def _default_method(provider: str) -> str:
    from interlink.connectors import ConnectorRegistry

    return ConnectorRegistry.default().get(provider).default_auth
