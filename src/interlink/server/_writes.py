"""Writes: `POST` creates, `PATCH` updates, `DELETE` deletes, each through the vendor first.

The vendor is the source of truth: a write goes through the connector's reverse
mapping and the pipeline, and what the vendor answers is written into the
store (with its change event), so the next read and the next sync agree.

Concurrency control on `PATCH`/`DELETE`: `If-Match` must name the stored
record's ETag (412 otherwise; 428 when missing and the tenant requires it).
Then the vendor must still hold the version stored. Where the connector
declares the vendor's own conditional update (`condition:`, Zendesk's safe
update), the stored version is passed on and the vendor refuses a stale write
itself, atomically; otherwise (and for deletes) the vendor's current version is
read first. Either way a newer version at the vendor (another writer got there
first) is stored and the write refused with 412; the caller re-reads and decides.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from interlink._errors import ConflictError, NotFoundError, RetryableError, UpstreamError
from interlink.client import Connection
from interlink.models import UnifiedRecord
from interlink.server._catalog import ModelRoute
from interlink.server._idempotency import IdempotencyKeys, request_hash
from interlink.server._problems import Problem
from interlink.server._records import stored_record
from interlink.server._render import etag_of, json_response, record_json
from interlink.server._services import Services, services
from interlink.server._tenancy import Caller, Principal, own_connection
from interlink.server._vendor import opened
from interlink.store import ConnectionRow, PreparedRecord, RecordRow
from interlink.sync import prepare

__all__ = ["add_write_routes"]

App = Annotated[Services, Depends(services)]
IfMatch = Annotated[
    str | None, Header(alias="If-Match", description="The record's ETag, from a read")
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Retry a create safely: the same key replays the first answer",
    ),
]


def _resource_for(app: Services, row: ConnectionRow, route: ModelRoute, operation: str) -> str:
    """The connection's resource mapped to `route`'s model that can do `operation` (422 if none)."""
    spec = app.registry.get(row.provider)
    for name, resource in spec.resources.items():
        if resource.model == route.name and resource.supports(operation):  # type: ignore[arg-type]
            return name
    raise Problem(
        422,
        "unsupported-operation",
        f"{row.provider} connection {row.id!r} cannot {operation} {route.name} records",
        provider=row.provider,
    )


async def _store_written(
    app: Services, row: ConnectionRow, resource: str, model: str, record: UnifiedRecord
) -> RecordRow:
    stored, _ = await app.store.upsert_record(
        tenant_id=row.tenant_id,
        connection_id=row.id,
        resource=resource,
        model=model,
        record=prepare(record),
    )
    return stored


def _check_if_match(caller: Principal, row: RecordRow, if_match: str | None) -> bool:
    """Whether a condition was given; a 428/412 problem when it is missing (and required) or
    names another version."""
    if if_match is None:
        if caller.requires_if_match:
            raise Problem(
                428,
                "precondition-required",
                "header If-Match: this tenant requires the record's ETag on writes",
            )
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" not in tags and etag_of(row) not in tags:
        raise Problem(
            412,
            "precondition-failed",
            f"header If-Match: the record is now at ETag {etag_of(row)}; re-read it",
            headers={"ETag": etag_of(row)},
        )
    return True


async def _vendor_unchanged(app: Services, connection: Connection, row: RecordRow) -> None:
    """Refuse (412) when the vendor holds a newer version than the stored one."""
    current = await connection.get(row.resource, row.remote_id)
    prepared = prepare(current)
    newer = (
        current.modified_at > row.modified_at
        if current.modified_at is not None and row.modified_at is not None
        else prepared.content_hash != row.content_hash
    )
    if newer:
        raise await _changed(app, connection, row, prepared)


async def _changed(
    app: Services, connection: Connection, row: RecordRow, current: PreparedRecord
) -> Problem:
    """Store the vendor's newer version of `row`; the 412 naming its ETag."""
    stored, _ = await app.store.upsert_record(
        tenant_id=row.tenant_id,
        connection_id=row.connection_id,
        resource=row.resource,
        model=row.model,
        record=current,
    )
    return Problem(
        412,
        "precondition-failed",
        "the vendor's record changed since it was read (another writer); "
        f"it is now at ETag {etag_of(stored)}: re-read it",
        headers={"ETag": etag_of(stored)},
        provider=connection.provider,
    )


async def _update_if_unchanged(
    app: Services, connection: Connection, row: RecordRow, values: dict[str, Any]
) -> UnifiedRecord:
    """Update `row` at the vendor only if the vendor still holds the stored version: the
    vendor checks where the connector declares how, else Interlink reads first."""
    condition = connection.spec.resources[row.resource].operations["update"].condition
    version = None if condition is None else condition.version_of(row.remote_data)
    if version is None:
        await _vendor_unchanged(app, connection, row)
        return await connection.update(row.resource, row.remote_id, values)
    try:
        return await connection.update(row.resource, row.remote_id, values, version=version)
    except ConflictError:
        # The vendor refused: someone wrote since. Store what it holds now, for the re-read.
        current = await connection.get(row.resource, row.remote_id)
        raise await _changed(app, connection, row, prepare(current)) from None


async def _audit(
    app: Services, caller: Principal, action: str, target: str, outcome: str, **detail: Any
) -> None:
    await app.store.audit(
        caller.actor, action, target, outcome, tenant_id=caller.tenant_id, detail=detail
    )


def add_write_routes(router: APIRouter, route: ModelRoute) -> None:
    """`POST`, `PATCH` and `DELETE` for `route`'s model."""
    body_model: type[BaseModel] = route.write_body
    slug = route.name.replace(".", "_")

    async def create(
        request: Request,
        body: BaseModel,
        caller: Caller,
        app: App,
        connection_id: Annotated[str, Query(description="The connection to create it in")],
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        row = await own_connection(app, caller, connection_id)
        resource = _resource_for(app, row, route, "create")
        values = body.model_dump(exclude_unset=True)
        keys: IdempotencyKeys = request.app.state.idempotency
        if idempotency_key is not None:
            sent = body.model_dump(mode="json", exclude_unset=True)
            fingerprint = request_hash("POST", route.path, connection_id, sent)
            claim = await app.store.call(keys.claim, caller.tenant_id, idempotency_key, fingerprint)
            if claim.outcome == "replay":
                assert claim.status is not None
                return _replayed(claim.status, claim.body)
            if claim.outcome == "mismatch":
                raise Problem(
                    422,
                    "idempotency-key-reused",
                    "header Idempotency-Key: already used with another request body",
                )
            if claim.outcome == "abandoned":
                assert claim.since is not None
                raise Problem(
                    409,
                    "idempotency-key-abandoned",
                    "header Idempotency-Key: the request with this key that started at "
                    f"{claim.since.isoformat()} never finished (its server stopped during it), "
                    "so whether the vendor created the record is unknown; list the records "
                    "to check, then retry with a new key if it is not there",
                )
            if claim.outcome == "in_progress":
                raise Problem(
                    409,
                    "idempotency-key-in-progress",
                    "header Idempotency-Key: a request with this key is still running; "
                    "retry shortly to get its answer",
                    headers={"Retry-After": "1"},
                )
        try:
            async with opened(app, connection_id) as connection:
                created = await connection.create(resource, values, idempotency_key=idempotency_key)
            stored = await _store_written(app, row, resource, route.name, created)
        except UpstreamError as exc:
            if idempotency_key is not None:
                if isinstance(exc, RetryableError):  # unknown outcome: let the client retry
                    await app.store.call(keys.release, caller.tenant_id, idempotency_key)
                else:
                    problem = exc.to_problem()
                    await app.store.call(
                        keys.complete,
                        caller.tenant_id,
                        idempotency_key,
                        int(problem["status"]),
                        problem,
                    )
            await _audit(
                app,
                caller,
                "record.create",
                connection_id,
                "failed",
                model=route.name,
                error=type(exc).__name__,
            )
            raise
        except BaseException:
            if idempotency_key is not None:
                await app.store.call(keys.release, caller.tenant_id, idempotency_key)
            raise
        answer = record_json(stored, remote_data=False)
        if idempotency_key is not None:
            await app.store.call(keys.complete, caller.tenant_id, idempotency_key, 201, answer)
        await _audit(
            app,
            caller,
            "record.create",
            stored.id,
            "ok",
            model=route.name,
            connection_id=connection_id,
        )
        return json_response(answer, 201, headers=_location(route, stored))

    async def update(
        record_id: str,
        body: BaseModel,
        caller: Caller,
        app: App,
        if_match: IfMatch = None,
    ) -> Response:
        row = await stored_record(app, caller, route, record_id)
        conditional = _check_if_match(caller, row, if_match)
        connection_row = await own_connection(app, caller, row.connection_id)
        _resource_for(app, connection_row, route, "update")
        values = body.model_dump(exclude_unset=True)
        try:
            async with opened(app, row.connection_id) as connection:
                if conditional:
                    updated = await _update_if_unchanged(app, connection, row, values)
                else:
                    updated = await connection.update(row.resource, row.remote_id, values)
            stored = await _store_written(app, connection_row, row.resource, route.name, updated)
        except (UpstreamError, Problem) as exc:
            await _audit(
                app,
                caller,
                "record.update",
                record_id,
                "failed",
                model=route.name,
                error=type(exc).__name__,
            )
            raise
        await _audit(
            app, caller, "record.update", record_id, "ok", model=route.name, fields=sorted(values)
        )
        return json_response(
            record_json(stored, remote_data=False), headers=_location(route, stored)
        )

    async def remove(
        record_id: str, caller: Caller, app: App, if_match: IfMatch = None
    ) -> Response:
        row = await stored_record(app, caller, route, record_id)
        conditional = _check_if_match(caller, row, if_match)
        connection_row = await own_connection(app, caller, row.connection_id)
        _resource_for(app, connection_row, route, "delete")
        try:
            async with opened(app, row.connection_id) as connection:
                if conditional:
                    await _vendor_unchanged(app, connection, row)
                # Already gone at the vendor: the store catches up below.
                with contextlib.suppress(NotFoundError):
                    await connection.delete(row.resource, row.remote_id)
        except (UpstreamError, Problem) as exc:
            await _audit(
                app,
                caller,
                "record.delete",
                record_id,
                "failed",
                model=route.name,
                error=type(exc).__name__,
            )
            raise
        if not row.remote_was_deleted:
            gone = PreparedRecord(
                row.id,
                row.remote_id,
                row.data,
                row.remote_data,
                row.content_hash,
                row.modified_at,
                deleted=True,
            )
            await app.store.upsert_record(
                tenant_id=row.tenant_id,
                connection_id=row.connection_id,
                resource=row.resource,
                model=row.model,
                record=gone,
            )
        await _audit(app, caller, "record.delete", record_id, "ok", model=route.name)
        return Response(status_code=204)

    # The body's class is made per model at runtime: give FastAPI the class, not its name.
    create.__annotations__["body"] = update.__annotations__["body"] = body_model
    record_answer: dict[int | str, dict[str, Any]] = {
        200: {"model": route.record},
        201: {"model": route.record},
    }
    router.add_api_route(
        route.path,
        create,
        methods=["POST"],
        status_code=201,
        tags=[route.tag],
        summary=f"Create a {route.name} record at the vendor",
        responses=record_answer,
        operation_id=f"create_{slug}",
        response_class=Response,
    )
    router.add_api_route(
        route.path + "/{record_id}",
        update,
        methods=["PATCH"],
        tags=[route.tag],
        summary=f"Update a {route.name} record at the vendor",
        responses=record_answer,
        operation_id=f"update_{slug}",
        response_class=Response,
    )
    router.add_api_route(
        route.path + "/{record_id}",
        remove,
        methods=["DELETE"],
        status_code=204,
        tags=[route.tag],
        summary=f"Delete a {route.name} record at the vendor",
        operation_id=f"delete_{slug}",
        response_class=Response,
    )


def _location(route: ModelRoute, row: RecordRow) -> dict[str, str]:
    return {"ETag": etag_of(row), "Location": f"{route.path}/{row.id}"}


def _replayed(status: int, body: Any) -> Response:
    media = "application/problem+json" if status >= 400 else "application/json"
    response = json_response(body, status)
    response.headers["content-type"] = media
    response.headers["Idempotent-Replayed"] = "true"
    return response
