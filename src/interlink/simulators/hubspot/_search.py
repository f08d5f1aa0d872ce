"""`POST /crm/v3/objects/{type}/search`: parsing the request HubSpot's way.

Supported: filters on the modified-time property (GT, GTE, LT, LTE, EQ,
BETWEEN) or on `hs_object_id` (the same operators), sorts on either, `limit`
(max 200), `after` (an offset), `properties`. A filter the simulator cannot
answer lazily over a million records is refused with a 400 naming it rather
than answered wrongly. HubSpot returns at most 10,000 results per query: a
page starting at offset 10,000 or later is a 400, which is what pushes real
clients to re-query with a moved lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from interlink.simulators._http import RequestError
from interlink.simulators._store import Collection, OrderedView
from interlink.simulators.hubspot._objects import ObjectType, parse_time

__all__ = ["SEARCH_CAP", "SearchQuery"]

SEARCH_CAP = 10_000
MAX_LIMIT = 200
_MS = 0.001


@dataclass(frozen=True, slots=True)
class SearchQuery:
    by_id: bool  # order by hs_object_id (else by the modified-time property)
    descending: bool
    low: float | None  # inclusive lower bound (seconds, or an id)
    high: float | None  # exclusive upper bound
    offset: int
    limit: int
    properties: tuple[str, ...] | None

    @classmethod
    def parse(cls, otype: ObjectType, body: dict[str, Any]) -> SearchQuery:
        modified = otype.modified_property
        sort_field, descending = _sort(body.get("sorts", []), modified)
        low: float | None = None
        high: float | None = None
        filter_field: str | None = None
        groups = body.get("filterGroups", [])
        if not isinstance(groups, list) or len(groups) > 1:
            raise RequestError("The simulator supports at most one filterGroup per search.")
        filters = groups[0].get("filters", []) if groups and isinstance(groups[0], dict) else []
        for f in filters:
            if not isinstance(f, dict):
                raise RequestError("Each filter must be an object with propertyName and operator.")
            name, op = f.get("propertyName"), f.get("operator")
            if name not in (modified, "hs_object_id"):
                raise RequestError(f"The simulator cannot filter {otype.name} on {name!r}.")
            if filter_field not in (None, name):
                raise RequestError(
                    "Filters on both the modified date and hs_object_id are not supported."
                )
            filter_field = name
            lo, hi = _bounds(name == "hs_object_id", op, f)
            low = lo if low is None or (lo is not None and lo > low) else low
            high = hi if high is None or (hi is not None and hi < high) else high
        by_id = (sort_field or filter_field or "hs_object_id") == "hs_object_id"
        if filter_field is not None and (filter_field == "hs_object_id") != by_id:
            raise RequestError(f"Sorting on {sort_field!r} while filtering on {filter_field!r} "
                           "is not supported by the simulator.")  # fmt: skip
        limit = body.get("limit", 10)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise RequestError(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}.")
        after = body.get("after", "0")
        try:
            offset = int(after)
            if offset < 0:
                raise ValueError
        except (TypeError, ValueError):
            message = f"after must be a non-negative integer string, got {after!r}."
            raise RequestError(message) from None
        props = body.get("properties")
        if props is not None and (
            not isinstance(props, list) or not all(isinstance(p, str) for p in props)
        ):
            raise RequestError("properties must be a list of property names.")
        return cls(
            by_id, descending, low, high, offset, limit, None if props is None else tuple(props)
        )

    def view(self, collection: Collection) -> OrderedView:
        low = None if self.low is None else int(self.low) if self.by_id else self.low
        high = None if self.high is None else int(self.high) if self.by_id else self.high
        if self.by_id:
            return collection.by_id(int(low or 0), None if high is None else int(high))
        return collection.by_modified(low, high)


def _sort(sorts: Any, modified: str) -> tuple[str | None, bool]:
    if not isinstance(sorts, list) or len(sorts) > 1:
        raise RequestError("sorts must be a list of at most one sort.")
    if not sorts:
        return None, False
    sort = sorts[0]
    if isinstance(sort, str):  # HubSpot also accepts a bare property name
        name, direction = sort.lstrip("-"), "DESCENDING" if sort.startswith("-") else "ASCENDING"
    elif isinstance(sort, dict):
        name, direction = str(sort.get("propertyName")), str(sort.get("direction", "ASCENDING"))
    else:
        raise RequestError("Each sort must be a property name or {propertyName, direction}.")
    if name not in (modified, "hs_object_id"):
        message = f"The simulator cannot sort on {name!r}; use {modified} or hs_object_id."
        raise RequestError(message)
    if direction not in ("ASCENDING", "DESCENDING"):
        raise RequestError(f"Sort direction must be ASCENDING or DESCENDING, got {direction!r}.")
    return str(name), direction == "DESCENDING"


def _bounds(is_id: bool, op: Any, f: dict[str, Any]) -> tuple[float | None, float | None]:
    """(inclusive low, exclusive high) for one filter."""

    def value(key: str) -> float:
        raw = f.get(key)
        try:
            return float(int(str(raw))) if is_id else parse_time(raw)
        except ValueError:
            kind = "an object id" if is_id else "a date (epoch milliseconds or ISO 8601)"
            raise RequestError(f"Filter value {raw!r} is not {kind}.") from None

    step = 1.0 if is_id else _MS
    if op == "GTE":
        return value("value"), None
    if op == "GT":
        return value("value") + step, None
    if op == "LT":
        return None, value("value")
    if op == "LTE":
        return None, value("value") + step
    if op == "EQ":
        v = value("value")
        return v, v + step
    if op == "BETWEEN":
        return value("value"), value("highValue") + step
    raise RequestError(f"The simulator does not support the filter operator {op!r}.")
