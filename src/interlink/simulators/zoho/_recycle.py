"""`GET /crm/v6/{module}/deleted?type=all|recycle|permanent`: the recycle bin.

Entries read `{"deleted_by", "id", "display_name", "type", "created_by",
"deleted_time"}`, newest deletion first (the simulator's reading), paged
with `page`/`per_page` and an `info` without page tokens. `If-Modified-Since`
keeps deletions made after it. The simulator never empties the bin, so
nothing is `permanent`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from interlink.simulators._store import Collection
from interlink.simulators.zoho._modules import USER, Module, zoho_time
from interlink.simulators.zoho._paging import MAX_PER_PAGE, bad_parameter, number_param

__all__ = ["recycle_bin"]


def recycle_bin(
    request: Request, module: Module, collection: Collection, since: float | None
) -> dict[str, Any] | None:
    """The page of the bin a request asks for; None when it is empty."""
    kind = request.query_params.get("type", "all")
    if kind not in ("all", "recycle", "permanent"):
        raise bad_parameter("type", "type must be all, recycle or permanent")
    per_page = number_param(request, "per_page", MAX_PER_PAGE, 1, MAX_PER_PAGE)
    page = number_param(request, "page", 1, 1, None)
    deleted = [] if kind == "permanent" else collection.archived_by_id()
    entries = sorted(
        (r for r in deleted if since is None or (r.archived_at or 0) >= since),
        key=lambda r: (-(r.archived_at or 0), -r.id),
    )
    rows = entries[(page - 1) * per_page : page * per_page]
    if not rows:
        return None
    data = [
        {
            "deleted_by": USER,
            "id": module.record_id(r),
            "display_name": module.values(r).get(module.display_field),
            "type": "recycle",
            "created_by": USER,
            "deleted_time": zoho_time(r.archived_at or 0),
        }
        for r in rows
    ]
    info = {"per_page": per_page, "count": len(rows), "page": page,
            "more_records": page * per_page < len(entries)}  # fmt: skip
    return {"data": data, "info": info}
