"""`/v1/passthrough/{connection_id}/{path}`: any vendor call the unified model does not cover.

The method, query and JSON body are forwarded through the connection's own
pipeline (auth, rate limits, retries, breaker), restricted to the paths the
connector's `passthrough.allow` rules permit: anything else is refused with
403 naming the rules. The vendor's status and body come back as they were;
a vendor error is problem details with `upstream_status`, as everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from interlink._errors import ConfigError
from interlink.server._problems import Problem
from interlink.server._services import Services, services
from interlink.server._tenancy import Caller, own_connection
from interlink.server._vendor import opened

__all__ = ["passthrough_router"]

passthrough_router = APIRouter(tags=["passthrough"])
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_KEPT_HEADERS = ("content-type", "etag", "last-modified", "location", "link")
MAX_BODY = 1024 * 1024


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return None
    if len(raw) > MAX_BODY:
        raise Problem(413, "body-too-large", f"body: larger than {MAX_BODY} bytes")
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if kind != "application/json" and not kind.endswith("+json"):
        raise Problem(
            415,
            "unsupported-media-type",
            f"header Content-Type: the passthrough forwards JSON bodies, got {kind!r}",
        )
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Problem(400, "invalid-json", f"body: not JSON ({exc})") from None


async def passthrough(
    connection_id: str,
    path: str,
    request: Request,
    caller: Caller,
    app: Annotated[Services, Depends(services)],
) -> Response:
    row = await own_connection(app, caller, connection_id)
    body = await _json_body(request)
    method = request.method
    params: dict[str, object] = {}
    for key, value in request.query_params.multi_items():
        previous = params.get(key)
        if previous is None:
            params[key] = value
        elif isinstance(previous, list):
            previous.append(value)
        else:
            params[key] = [previous, value]
    vendor_path = "/" + path
    outcome = "failed"
    try:
        async with opened(app, connection_id) as connection:
            try:
                response = await connection.request(method, vendor_path, params=params, json=body)
            except ConfigError as exc:
                allowed = ", ".join(connection.spec.passthrough) or "nothing"
                raise Problem(
                    403,
                    "passthrough-path-refused",
                    f"{method} {vendor_path}: {exc.problem}",
                    rule=f"{row.provider} passthrough.allow: {allowed}",
                    provider=row.provider,
                ) from None
        outcome = "ok"
    finally:
        if method != "GET":
            await app.store.audit(
                caller.actor,
                f"passthrough.{method.lower()}",
                f"{connection_id}{vendor_path}",
                outcome,
                tenant_id=caller.tenant_id,
            )
    headers = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
    headers["X-Upstream-Status"] = str(response.status)
    return Response(response.content, response.status, headers=headers)


for _method in METHODS:
    passthrough_router.add_api_route(
        "/v1/passthrough/{connection_id}/{path:path}",
        passthrough,
        methods=[_method],
        summary=f"Forward a {_method} to the vendor through the connection's pipeline",
        response_class=Response,
        operation_id=f"passthrough_{_method.lower()}",
        responses={200: {"description": "The vendor's answer, status and body as it sent them"}},
    )
