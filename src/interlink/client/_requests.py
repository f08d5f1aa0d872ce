"""Building the `Request` a declared operation sends: templates filled, body placed, hook run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from interlink._clock import SystemClock
from interlink.connectors import ConnectorSpec, HookCall, RenderContext, RequestSpec
from interlink.connectors._templates import render_tree
from interlink.http import Request
from interlink.pagination import BodyPath

__all__ = ["build_request", "unwrap", "wrap"]

_SYSTEM = SystemClock()


def wrap(body: Any, path: BodyPath | None) -> Any:
    """`body` placed at `path` (Zoho's `data[0]`: `{"data": [body]}`)."""
    if path is None:
        return body
    for key in reversed(path.keys):
        body = [body] if isinstance(key, int) else {key: body}
    return body


def unwrap(body: Any, path: BodyPath | None) -> Any:
    """The record at `path` of a response body (the body itself without a path)."""
    return body if path is None else path.get(body)


def build_request(
    spec: ConnectorSpec,
    resource: str,
    operation: str,
    request: RequestSpec,
    context: RenderContext,
    *,
    json: Any = None,
    idempotency_key: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> Request:
    """The request `operation` of `resource` sends; `{id}` is percent-encoded as one segment."""
    if context.record_id is not None:
        context = context.with_(record_id=quote(context.record_id, safe=""))
    url = spec.base_url.render(context).rstrip("/") + request.path.render(context)
    headers = {**(extra_headers or {}), **render_tree(request.headers, context)}
    body = render_tree(request.json, context) if json is None else wrap(json, request.body_path)
    key = None
    if idempotency_key is not None and request.idempotency_header:
        headers[request.idempotency_header] = idempotency_key
        key = idempotency_key  # only then may the pipeline retry a POST
    built = Request.build(
        request.method,
        url,
        headers=headers,
        params=render_tree(request.params, context),
        json=body,
        endpoint=request.endpoint,
        idempotency_key=key,
    )
    if request.hook is None:
        return built
    call = HookCall(
        spec.provider, resource, operation, built, context.modified_after,
        context.record_id, context.variables, (context.clock or _SYSTEM).time(),
    )  # fmt: skip
    return request.hook(call)
