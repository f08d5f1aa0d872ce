"""Stored records as API JSON, encoded once with orjson (the list endpoint's hot path)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from interlink.store import RecordRow

__all__ = ["etag_of", "json_response", "record_json"]


def record_json(row: RecordRow, *, remote_data: bool) -> dict[str, Any]:
    """The unified record; `remote_was_deleted` from the row (a reconciliation sets it there)."""
    out = row.data.copy()
    out["remote_was_deleted"] = row.remote_was_deleted
    if remote_data:
        out["remote_data"] = row.remote_data
    else:
        out.pop("remote_data", None)
    return out


def etag_of(row: RecordRow) -> str:
    """The record's strong ETag header value."""
    return f'"{row.etag}"'


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers=headers, media_type="application/json")
