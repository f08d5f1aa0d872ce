"""The audit trail: who opened which connection's credentials, who wrote what, and how it ended.

`actor` is a context variable set per API request (`api_key:<id>`); work the
request started (a sync it asked for) inherits it, and work nobody asked for
through the API (the scheduler's runs) is `interlink`. Entries never hold a
secret: the target is an id, the detail a few names and counts.
"""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query

from interlink.client import Connection
from interlink.server._context import actor
from interlink.server._services import Services, services
from interlink.server._tenancy import Caller
from interlink.store import AsyncStore
from interlink.sync import ConnectionSource

__all__ = ["AuditedSource", "audit_router"]

log = structlog.get_logger("interlink.server.audit")


class AuditedSource:
    """A `ConnectionSource` recording every credential access (each `open` reads the vault)."""

    def __init__(
        self, inner: ConnectionSource, store: AsyncStore, *, providers: dict[str, str] | None = None
    ) -> None:
        self.inner, self._store = inner, store
        self.providers = providers if providers is not None else {}
        """connection id -> provider of every connection opened (metrics label runs with it)."""

    async def open(self, connection_id: str) -> Connection:
        row = await self._store.get_connection(connection_id)
        tenant_id = None if row is None else row.tenant_id
        if row is not None:
            self.providers[row.id] = row.provider
        try:
            connection = await self.inner.open(connection_id)
        except Exception as exc:
            await self._store.audit(
                actor.get(),
                "credentials.read",
                connection_id,
                "failed",
                tenant_id=tenant_id,
                detail={"error": type(exc).__name__},
            )
            raise
        await self._store.audit(
            actor.get(), "credentials.read", connection_id, "ok", tenant_id=tenant_id
        )
        return connection

    async def close(self) -> None:
        await self.inner.close()


audit_router = APIRouter(tags=["audit"])


@audit_router.get("/v1/audit", summary="The tenant's audit log, newest first")
async def list_audit(
    caller: Caller,
    app: Annotated[Services, Depends(services)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Every credential access and every write through the API for the caller's tenant."""
    entries = await app.store.list_audit(tenant_id=caller.tenant_id, limit=limit)
    return {
        "results": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "outcome": e.outcome,
                "detail": e.detail,
            }
            for e in entries
        ]
    }
