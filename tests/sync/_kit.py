"""What engine tests share: a store with a tenant and a vault, and a small controllable vendor.

`Ledger` is a fake vendor (a MockTransport handler) for tests/sync/ledger.yaml:
pages of 3 by cursor, sorted by id (not by modification time), an incremental
`since` filter, and knobs for what a test needs the vendor to do: fail a
request, refuse the token, answer 429, send a record the mapping refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from interlink import FakeClock, State
from interlink.connectors import ConnectorRegistry, load_spec_text
from interlink.http import MockTransport, Request, Response, Transport, respond
from interlink.store import AsyncStore, ConnectionRow, Tenant
from interlink.sync import StoreConnections, SyncEngine, SyncObserver
from interlink.vault import Vault

LEDGER_SPEC = load_spec_text(
    (Path(__file__).parent / "ledger.yaml").read_text(), file="ledger.yaml"
)
TOKEN = "good-token"
PAGE = 3


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Ledger:
    """The vendor's data and behaviour; `requests` holds every request it answered."""

    clock: FakeClock
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    fail: Callable[[Request, int], Response | None] | None = None

    def seed(self, count: int) -> None:
        """`count` records; record i modified i minutes after the epoch of the clock minus a day."""
        start = self.clock.time() - 86_400
        for i in range(count):
            self.records[f"r{i:03d}"] = {
                "id": f"r{i:03d}",
                "first": f"P{i}",
                "updated": iso(start + 60 * i),
            }

    def touch(self, remote_id: str, **values: Any) -> None:
        """Change a record now (its `updated` becomes the clock's time)."""
        self.records[remote_id] = {
            **self.records[remote_id],
            **values,
            "updated": iso(self.clock.time()),
        }

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        if self.fail is not None:
            failed = self.fail(request, len(self.requests))
            if failed is not None:
                return failed
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return respond(request, 401, json={"message": "The API token is invalid or revoked"})
        since = request.params.get("since")
        rows = sorted(self.records.values(), key=lambda r: r["id"])
        if since is not None:
            rows = [r for r in rows if r["updated"] >= since]
        start = int(request.params.get("cursor", "0"))
        body: dict[str, Any] = {"data": rows[start : start + PAGE]}
        if start + PAGE < len(rows):
            body["next"] = str(start + PAGE)
        return respond(
            request, content=orjson.dumps(body), headers={"Content-Type": "application/json"}
        )


@dataclass
class World:
    """A store with one tenant, a vault, and helpers to add connections and build engines."""

    store: AsyncStore
    vault: Vault
    tenant: Tenant
    clock: FakeClock
    state: State

    async def connection(
        self, provider: str, credentials: dict[str, str], **options: Any
    ) -> ConnectionRow:
        row = await self.store.create_connection(
            self.tenant.id, provider, auth_method=options.pop("auth_method", "default"),
            variables=options.pop("variables", {}), **options,
        )  # fmt: skip
        await self.store.call(self.vault.put, row.id, credentials)
        return row

    def engine(
        self,
        transport: Transport,
        *,
        registry: ConnectorRegistry | None = None,
        observer: SyncObserver | None = None,
        **options: Any,
    ) -> SyncEngine:
        source = StoreConnections(
            self.store, self.vault, registry=registry, state=self.state,
            transport=transport, clock=self.clock,
        )  # fmt: skip
        return SyncEngine(self.store, source, clock=self.clock, observer=observer, **options)

    def ledger_engine(self, ledger: Ledger, **options: Any) -> SyncEngine:
        return self.engine(
            MockTransport(ledger), registry=ConnectorRegistry([LEDGER_SPEC]), **options
        )
