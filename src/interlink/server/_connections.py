"""Connections of the caller's tenant: list them, start a sync, read their runs and drift."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from kombu.exceptions import OperationalError as BrokerError
from pydantic import BaseModel, ConfigDict, Field

from interlink.server._problems import Problem
from interlink.server._services import Services, services
from interlink.server._tenancy import Caller, own_connection
from interlink.store import ConnectionRow, SyncRun
from interlink.sync import SyncJob, enqueue

__all__ = ["connections_router"]

connections_router = APIRouter(tags=["connections"])
App = Annotated[Services, Depends(services)]


class SyncRequest(BaseModel):
    """Which resources to sync (every listable one when omitted), and whether in full."""

    model_config = ConfigDict(extra="forbid")
    resources: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=100
    )
    full: bool = False


def _connection(row: ConnectionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "provider": row.provider,
        "name": row.name,
        "status": row.status,
        "auth_method": row.auth_method,
        "variables": row.variables,
        "created_at": row.created_at.isoformat(),
    }


def _run(run: SyncRun) -> dict[str, Any]:
    stamp = run.finished_at.isoformat() if run.finished_at else None
    return {
        "id": run.id,
        "connection_id": run.connection_id,
        "resource": run.resource,
        "mode": run.mode,
        "outcome": run.outcome,
        "started_at": run.started_at.isoformat(),
        "finished_at": stamp,
        "error": run.error,
        "stats": {name: getattr(run.stats, name) for name in run.stats.__slots__},
    }


@connections_router.get("/v1/connections", summary="The tenant's connections")
async def list_connections(caller: Caller, app: App) -> dict[str, Any]:
    rows = await app.store.list_connections(tenant_id=caller.tenant_id)
    return {"results": [_connection(row) for row in rows]}


@connections_router.get("/v1/connections/{connection_id}", summary="One connection")
async def get_connection(connection_id: str, caller: Caller, app: App) -> dict[str, Any]:
    return _connection(await own_connection(app, caller, connection_id))


@connections_router.post(
    "/v1/connections/{connection_id}/sync",
    status_code=202,
    summary="Start a sync of the connection's resources (in the server, or on the workers)",
)
async def start_sync(
    connection_id: str,
    caller: Caller,
    app: App,
    request: Annotated[SyncRequest | None, Body()] = None,
) -> dict[str, Any]:
    """Queue one run per resource; a resource already queued or running is not queued twice.
    The runs appear at `/v1/connections/{id}/runs` as they start."""
    row = await own_connection(app, caller, connection_id)
    runner = app.runner
    if runner is None:
        raise Problem(503, "sync-unavailable", "this server runs no sync runner")
    wanted = request or SyncRequest()
    spec = app.registry.get(row.provider)
    listable = [name for name, r in spec.resources.items() if r.supports("list")]
    chosen = wanted.resources or row.settings.get("resources") or listable
    unknown = [name for name in chosen if name not in listable]
    if unknown:
        raise Problem(
            422,
            "invalid-request",
            f"body resources: {row.provider} has no listable resource "
            f"{', '.join(map(repr, unknown))} (known: {', '.join(listable)})",
        )
    if row.status != "active":
        raise Problem(409, "connection-unusable", f"connection {connection_id!r} is {row.status}")
    jobs = [SyncJob(connection_id, str(resource), full=wanted.full) for resource in chosen]
    try:
        already = await enqueue(runner, jobs)
    except BrokerError as exc:  # the Celery runner's broker refused or timed out
        raise Problem(
            503,
            "sync-unavailable",
            f"the job queue is unreachable ({exc}); retry later (a resource already "
            "queued is never queued twice)",
        ) from None
    queued = [
        {"resource": job.resource,
         "state": "already_queued" if (connection_id, job.resource) in already else "queued"}
        for job in jobs
    ]  # fmt: skip
    await app.store.audit(
        caller.actor,
        "sync.start",
        connection_id,
        "accepted",
        tenant_id=caller.tenant_id,
        detail={"resources": list(map(str, chosen)), "full": wanted.full},
    )
    return {
        "connection_id": connection_id,
        "jobs": queued,
        "runs": f"/v1/connections/{connection_id}/runs",
    }


@connections_router.get("/v1/connections/{connection_id}/runs", summary="Recent sync runs")
async def list_runs(
    connection_id: str,
    caller: Caller,
    app: App,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> dict[str, Any]:
    await own_connection(app, caller, connection_id)
    runs = await app.store.list_runs(connection_id=connection_id, limit=limit)
    return {"results": [_run(run) for run in runs]}


@connections_router.get("/v1/connections/{connection_id}/drift", summary="Schema drift seen")
async def list_drift(connection_id: str, caller: Caller, app: App) -> dict[str, Any]:
    await own_connection(app, caller, connection_id)
    entries = await app.store.list_drift(connection_id)
    return {
        "results": [
            {
                "resource": e.resource,
                "kind": e.kind,
                "field": e.field,
                "detail": e.detail,
                "count": e.count,
                "first_seen": e.first_seen.isoformat(),
                "last_seen": e.last_seen.isoformat(),
            }
            for e in entries
        ]
    }
