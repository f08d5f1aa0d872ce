"""Pipedrive listings: v1 offset pages, v2 cursor pages, and the v1 recents change feed.

- v1 `GET /api/v1/{persons,organizations}?start=&limit=`: id order, `limit` default
  100 and at most 500, `additional_data.pagination {start, limit,
  more_items_in_collection, next_start}`; deleted records are left out.
- v2 `GET /api/v2/{persons,organizations}?cursor=&limit=&updated_since=&updated_until=
  &sort_by=`: `additional_data.next_cursor` (null on the last page).
- v1 `GET /api/v1/recents?since_timestamp=YYYY-MM-DD HH:MM:SS&items=person`: every
  change since the timestamp, oldest first, deleted records included (with
  `active_flag: false`), paged by `start`/`limit` like v1 lists.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson

from interlink.simulators._http import RequestError
from interlink.simulators._store import Collection, OrderedView, StoredRecord
from interlink.simulators.pipedrive._entities import parse_since, v1_time
from interlink.simulators.pipedrive._input import int_param

__all__ = ["MAX_LIMIT", "V2Query", "decode_cursor", "encode_cursor", "v1_page"]

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def start_limit(params: Any) -> tuple[int, int]:
    start = int_param(params.get("start"), "start", 0)
    # Pipedrive documents 500 as the maximum; a larger limit is served as 500 (the
    # pagination block then reports limit 500), which is what clients must cope with.
    limit = min(MAX_LIMIT, int_param(params.get("limit"), "limit", DEFAULT_LIMIT, minimum=1))
    return start, limit


def v1_page(
    fragments: list[bytes], start: int, limit: int, more: bool, extra: dict[str, Any] | None = None
) -> bytes:
    """The v1 list envelope around pre-serialised items."""
    pagination: dict[str, Any] = {
        "start": start,
        "limit": limit,
        "more_items_in_collection": more,
    }
    if more:
        pagination["next_start"] = start + limit
    additional = {**(extra or {}), "pagination": pagination}
    return (
        b'{"success":true,"data":['
        + b",".join(fragments)
        + b'],"additional_data":'
        + orjson.dumps(additional)
        + b"}"
    )


def recents_view(collection: Collection, params: Any) -> tuple[OrderedView, str]:
    raw = params.get("since_timestamp")
    if not raw:
        raise RequestError("Parameter 'since_timestamp' is required (YYYY-MM-DD HH:MM:SS)")
    try:
        since = parse_since(raw, v2=False)
    except ValueError:
        raise RequestError(
            f"Parameter 'since_timestamp' must be YYYY-MM-DD HH:MM:SS in UTC, got {raw!r}"
        ) from None
    # Inclusive of the second it names: a client that feeds last_timestamp_on_page back
    # sees the records of that second again and must de-duplicate, as with Pipedrive.
    return collection.by_modified(since, include_archived=True), v1_time(since)


def encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode("ascii").rstrip("=")


def decode_cursor(raw: str) -> dict[str, Any]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError):
        data = None
    if not isinstance(data, dict):
        raise RequestError(f"Parameter 'cursor' is not a cursor this endpoint returned: {raw!r}")
    return data


@dataclass(frozen=True, slots=True)
class V2Query:
    """A v2 list request: which order, which window of update times, where to resume."""

    by_update_time: bool
    since: float | None
    until: float | None
    limit: int
    after: dict[str, Any] | None

    @classmethod
    def parse(cls, params: Any) -> V2Query:
        for name in ("filter_id", "ids", "owner_id", "org_id"):
            if params.get(name):
                raise RequestError(f"Parameter '{name}' is not supported by the simulator")
        bounds: list[float | None] = []
        for name in ("updated_since", "updated_until"):
            raw = params.get(name)
            try:
                bounds.append(None if not raw else parse_since(raw, v2=True))
            except ValueError:
                message = f"Parameter '{name}' must be an RFC 3339 date-time, got {raw!r}"
                raise RequestError(message) from None
        sort_by = params.get("sort_by")
        if sort_by not in (None, "id", "update_time"):
            raise RequestError(f"Parameter 'sort_by' must be id or update_time, got {sort_by!r}")
        if params.get("sort_direction", "asc") != "asc":
            raise RequestError("Parameter 'sort_direction': the simulator serves asc only")
        windowed = bounds[0] is not None or bounds[1] is not None
        if sort_by == "id" and windowed:
            # Id order restricted to a window of update times cannot be served lazily.
            raise RequestError("sort_by=id with updated_since/updated_until is not supported "
                               "by the simulator; use sort_by=update_time")  # fmt: skip
        limit = int_param(params.get("limit"), "limit", DEFAULT_LIMIT, minimum=1)
        if limit > MAX_LIMIT:
            raise RequestError(f"Parameter 'limit' must be at most {MAX_LIMIT}, got {limit}")
        cursor = params.get("cursor")
        after = decode_cursor(cursor) if cursor else None
        # Without an explicit sort a time window is served in update-time order (Pipedrive
        # orders by id; the set of records is the same).
        by_time = sort_by == "update_time" or (sort_by is None and windowed)
        return cls(by_time, bounds[0], bounds[1], limit, after)

    def page(self, collection: Collection) -> tuple[list[StoredRecord], str | None]:
        """Up to `limit` records after the cursor, and the next cursor (None at the end)."""
        if not self.by_update_time:
            first = 0 if self.after is None else int(self.after.get("id", 0)) + 1
            refs = collection.by_id(first).refs(0, self.limit + 1)
            by_id = [collection.resolve(r) for r in refs]
            more = len(by_id) > self.limit
            by_id = by_id[: self.limit]
            return by_id, encode_cursor({"id": by_id[-1].id}) if more else None
        since = self.since
        last: tuple[float, int] | None = None
        if self.after is not None:
            mark = self.after.get("t")
            if not isinstance(mark, list) or len(mark) != 2:
                raise RequestError("Parameter 'cursor' does not belong to this query")
            last = (float(mark[0]), int(mark[1]))
            since = last[0] if since is None else max(since, last[0])
        view = collection.by_modified(since, self.until)
        records: list[StoredRecord] = []
        offset = 0
        while len(records) <= self.limit:
            chunk = view.slice(offset, self.limit + 1)
            if not chunk:
                break
            offset += len(chunk)
            # Records sharing the cursor's update time but not after it were already served.
            records += [r for r in chunk if last is None or (r.modified_at, r.id) > last]
        more = len(records) > self.limit
        records = records[: self.limit]
        if not more:
            return records, None
        tail = records[-1]
        return records, encode_cursor({"t": [tail.modified_at, tail.id]})
