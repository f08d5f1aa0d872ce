"""The audit trail: who read which connection's credentials, who wrote what, and how it ended.

Credential reads are audited by the vault itself, whichever process reads
(`interlink.vault._audit`): inside an API request as its key (`api_key:<id>`,
`actor` is set per request and inherited by the work it starts), otherwise as
the process (`server`, `webhooks`, `cli`, `worker`). Writes are audited by
their handlers. Entries never hold a secret: the target is an id, the detail a
few names and counts.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from interlink.server._services import Services, services
from interlink.server._tenancy import Caller

__all__ = ["audit_router"]


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
