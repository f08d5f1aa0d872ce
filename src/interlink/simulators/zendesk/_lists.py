"""Zendesk list and export answers over HTTP: parameters in, `{"<name>": [...], ...}` out.

`_pages.py` decides which records a page holds; this module reads the query
parameters Zendesk's way and renders the envelope around the records
(`meta` + `links` for cursor pages, `next_page` / `previous_page` / `count`
for offset pages), plus the deleted-tickets view and rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from interlink.simulators._http import RequestError
from interlink.simulators._store import Collection, OrderedView
from interlink.simulators.zendesk._pages import (
    EXPORT_PAGE_SIZE,
    FRESHNESS,
    ViewById,
    cursor_page,
    offset_page,
)
from interlink.simulators.zendesk._records import iso

__all__ = ["deleted_rows", "deleted_view", "export_params", "list_response", "start_time"]


def list_response(
    request: Request,
    name: str,
    collection: Collection,
    by_id: ViewById,
    render: Callable[[list[int]], bytes],
    headers: dict[str, str],
) -> Response:
    """A list endpoint's answer: cursor pagination with `page[...]`, offset pagination without."""
    params = request.query_params
    if params.get("sort", "id") != "id" or "sort_by" in params:
        raise RequestError(
            "The simulator lists by id only (no sort / sort_by)",
            400,
            "InvalidPaginationParameter",
        )
    if any(p in params for p in ("page[size]", "page[after]", "page[before]")):
        page = cursor_page(collection, params, by_id)
        url = request.url.remove_query_params(["page[after]", "page[before]"])
        links = {
            "prev": page.before_cursor
            and str(url.include_query_params(**{"page[before]": page.before_cursor})),
            "next": page.after_cursor
            and str(url.include_query_params(**{"page[after]": page.after_cursor})),
        }
        meta = {
            "has_more": page.has_more,
            "after_cursor": page.after_cursor,
            "before_cursor": page.before_cursor,
        }
        refs, tail = page.refs, {"meta": meta, "links": links}
    else:
        offset = offset_page(by_id(0, None), params)

        def link(number: int) -> str:
            return str(request.url.include_query_params(page=number, per_page=offset.per_page))

        tail = {
            "next_page": link(offset.page + 1) if offset.has_next else None,
            "previous_page": link(offset.page - 1) if offset.page > 1 else None,
            "count": offset.count,
        }
        refs = offset.refs
    body = b'{"%s":[' % name.encode() + render(refs) + b"]," + orjson.dumps(tail)[1:]
    return Response(body, 200, headers, media_type="application/json")


def deleted_view(tickets: Collection, min_id: int, before: int | None) -> OrderedView:
    """Soft-deleted tickets (they live in the overlay only) as an id-ordered view."""
    ids = [r.id for r in tickets.archived_by_id(min_id) if before is None or r.id < before]
    return OrderedView(0, 0, [], [(i, i) for i in ids], lambda i: i, tickets.resolve)


def deleted_rows(tickets: Collection, actor: dict[str, Any], refs: list[int]) -> bytes:
    """`/api/v2/deleted_tickets` rows: who deleted what, when, and its status before."""
    rows = []
    for ref in refs:
        r = tickets.resolve(ref)
        row = {
            "id": r.id,
            "subject": r.fields.get("subject"),
            "description": r.fields.get("description"),
            "actor": actor,
            "deleted_at": iso(r.archived_at or r.modified_at),
            "previous_state": r.fields.get("status"),
        }
        rows.append(orjson.dumps(row))
    return b",".join(rows)


def export_params(params: QueryParams) -> tuple[int, bool]:
    """(per_page, include deleted tickets) of an incremental export request."""
    raw = params.get("per_page", str(EXPORT_PAGE_SIZE))
    if not raw.isdigit() or not 1 <= int(raw) <= EXPORT_PAGE_SIZE:
        raise RequestError(
            f"per_page must be from 1 to {EXPORT_PAGE_SIZE}, got {raw!r}", 400, "InvalidValue"
        )
    return int(raw), params.get("exclude_deleted", "false").lower() != "true"


def start_time(params: QueryParams, now: float) -> int:
    """The export's start_time: required, Unix seconds, and at least a minute old."""
    raw = params.get("start_time")
    if raw is None or not raw.isdigit():
        raise RequestError(
            f"start_time must be a Unix epoch time in seconds, got {raw!r}", 400, "InvalidValue"
        )
    if int(raw) > now - FRESHNESS:
        raise RequestError(
            "Too recent start_time. Use a start_time older than 1 minute", 422, "InvalidValue"
        )
    return int(raw)
