"""Reads: `GET /v1/{category}/{models}` lists stored records, `GET .../{id}` reads one.

Both are served from the store (the sync keeps it current); `?fresh=true` on a
single record reads through to the vendor and writes what it got back into the
store first. Listing is keyset-paginated by (updated_at, id) with an opaque
cursor, so a page never skips or repeats a record while syncs write.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError, create_model
from starlette.responses import Response

from interlink.server._catalog import ModelRoute
from interlink.server._cursor import decode_cursor, encode_cursor, fingerprint
from interlink.server._listing import last_position, list_raw, page_json
from interlink.server._problems import Problem
from interlink.server._render import etag_of, json_response, record_json
from interlink.server._services import Services, services
from interlink.server._tenancy import Caller, Principal, authenticate, own_connection
from interlink.server._vendor import opened
from interlink.store import RecordRow
from interlink.sync import prepare

__all__ = ["MAX_PAGE_SIZE", "add_read_routes", "stored_record"]

MAX_PAGE_SIZE = 1000

ConnectionQuery = Annotated[
    str | None,
    Query(description="One connection's records; all the tenant's connections when omitted"),
]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Records per page")]
Cursor = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page")
]
Since = Annotated[
    datetime | None,
    Query(description="Only records the store changed after this time (ISO 8601 with offset)"),
]
Flag = Annotated[bool, Query()]


class ListQuery(BaseModel):
    """The listing's query parameters, validated as one model (one pass per request)."""

    connection_id: str | None = Field(
        None, description="One connection's records; all the tenant's connections when omitted"
    )
    cursor: str | None = Field(
        None, max_length=512, description="`next_cursor` of the previous page"
    )
    page_size: int = Field(100, ge=1, le=MAX_PAGE_SIZE, description="Records per page")
    modified_after: datetime | None = Field(
        None, description="Only records the store changed after this time (ISO 8601 with offset)"
    )
    include_deleted: bool = Field(False, description="Also records the vendor deleted")
    include_remote_data: bool = Field(False, description="Add each record's vendor payload")


App = Annotated[Services, Depends(services)]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise Problem(
            400, "invalid-request", "query modified_after: give a time zone (2025-01-31T12:00:00Z)"
        )
    return moment


async def stored_record(
    app: Services, caller: Principal, route: ModelRoute, record_id: str
) -> RecordRow:
    """The caller's record of this model; 404 when absent, another model's or another tenant's."""
    row = await app.store.get_record(record_id, tenant_id=caller.tenant_id)
    if row is None or row.model != route.name:
        raise Problem(404, "not-found", f"no {route.name} record {record_id!r}")
    return row


def _page_model(route: ModelRoute) -> type[BaseModel]:
    name = route.write_body.__name__.removesuffix("Write")
    results: Any = list[route.record]  # type: ignore[name-defined]
    page: type[BaseModel] = create_model(
        f"{name}Page",
        results=(results, ...),
        next_cursor=(str | None, None),
    )
    return page


def _parameters() -> list[dict[str, Any]]:
    schema = ListQuery.model_json_schema()
    return [
        {"name": name, "in": "query", "required": False, "schema": field,
         "description": field.get("description", "")}
        for name, field in schema["properties"].items()
    ]  # fmt: skip


LIST_PARAMETERS = _parameters()


def _list_query(request: Request) -> ListQuery:
    try:
        return ListQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


def add_read_routes(lists: APIRouter, items: APIRouter, route: ModelRoute) -> None:
    """`GET` list (on `lists`) and `GET` one (on `items`) for `route`'s model."""
    page_model = _page_model(route)

    # The hottest endpoint takes the bare request: its query is validated by one pydantic
    # call and the caller checked by one function, without FastAPI's per-request solving of
    # dependencies and parameters (which cost more than the store read). The parameters
    # are still published in the OpenAPI document, and bad ones are the same 422 problems.
    async def list_records(request: Request) -> Response:
        caller = await authenticate(request)
        params = _list_query(request)
        app: Services = request.app.state.services
        connection_id, cursor, page_size = params.connection_id, params.cursor, params.page_size
        include_deleted = params.include_deleted
        include_remote_data = params.include_remote_data
        since = _aware(params.modified_after)
        if connection_id is not None:
            await own_connection(app, caller, connection_id)
        filters = fingerprint(route.name, connection_id, since, include_deleted)
        after = None if cursor is None else decode_cursor(cursor, filters)
        query = partial(
            list_raw,
            app.store.store,
            tenant_id=caller.tenant_id,
            connection_id=connection_id,
            model=route.name,
            modified_after=since,
            include_deleted=include_deleted,
            after=after,
            limit=page_size + 1,  # one more tells whether another page exists
            remote_data=include_remote_data,
        )
        # SQLite: read on the loop. A page is an indexed range scan (a fraction of a ms in
        # C, GIL released) plus Python work that holds the GIL anyway, so a worker thread
        # adds no parallelism, only a GIL hand-off per request that cost more than the read.
        # WAL readers never wait for writers. PostgreSQL waits on the network: a thread.
        rows = query() if app.store.store.dialect == "sqlite" else await app.store.call(query)
        more = len(rows) > page_size
        rows = rows[:page_size]
        next_cursor = encode_cursor(*last_position(rows[-1]), filters) if more else None
        return Response(
            page_json(rows, next_cursor, remote_data=include_remote_data),
            media_type="application/json",
        )

    async def get_record(
        record_id: str,
        caller: Caller,
        app: App,
        fresh: Annotated[bool, Query(description="Read through to the vendor")] = False,
        include_remote_data: Flag = False,
    ) -> Response:
        row = await stored_record(app, caller, route, record_id)
        if fresh:
            row = await read_through(app, row)
        body = record_json(row, remote_data=include_remote_data)
        return json_response(body, headers={"ETag": etag_of(row)})

    record_responses: dict[int | str, dict[str, Any]] = {
        200: {"model": route.record, "headers": {"ETag": {"schema": {"type": "string"}}}}
    }
    lists.add_api_route(
        route.path,
        list_records,
        openapi_extra={"parameters": LIST_PARAMETERS},
        methods=["GET"],
        tags=[route.tag],
        summary=f"List {route.name} records",
        responses={200: {"model": page_model}},
        operation_id=f"list_{route.name.replace('.', '_')}",
    )
    items.add_api_route(
        route.path + "/{record_id}",
        get_record,
        methods=["GET"],
        tags=[route.tag],
        summary=f"Read one {route.name} record",
        responses=record_responses,
        operation_id=f"get_{route.name.replace('.', '_')}",
    )


async def read_through(app: Services, row: RecordRow) -> RecordRow:
    """The vendor's current version of `row`, written into the store, then returned."""
    async with opened(app, row.connection_id) as connection:
        fresh = await connection.get(row.resource, row.remote_id)
    stored, _ = await app.store.upsert_record(
        tenant_id=row.tenant_id,
        connection_id=row.connection_id,
        resource=row.resource,
        model=row.model,
        record=prepare(fresh),
    )
    return stored
