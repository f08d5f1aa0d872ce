"""Pipedrive hooks: what its spec cannot say as data.

`recents_items` (a records hook on the `incremental` listings) unwraps the v1
change feed, `GET /api/v1/recents`, whose items are `{"item": "person", "id":
17, "data": {...the v1 record...}}`, into the records the persons and
organizations mappings read. Deleted records arrive there too, with
`active_flag: false`, which the mappings read as `remote_was_deleted`.
"""

from __future__ import annotations

from interlink._types import JSON
from interlink.connectors._answers import RecordsCall
from interlink.errors import MalformedResponseError

__all__ = ["recents_items"]


def recents_items(call: RecordsCall) -> list[JSON]:
    """The v1 record at `data` of each recents item (a page is malformed without it)."""
    out: list[JSON] = []
    for item in call.records:
        inner = item.get("data") if isinstance(item, dict) else None
        if not isinstance(inner, dict):
            raise MalformedResponseError(
                "a Pipedrive recents item without its record at data",
                provider=call.provider, request=call.response.request, response=call.response,
            )  # fmt: skip
        out.append(inner)
    return out
