"""`POST /api/v2/datasets/employee/data`: the paginated employee listing.

Body `{fields, filter, orderBy, page, pageSize}`; answer `{data: [{fields: {...}}],
links: {prev, next}, meta: {page, pageSize, totalPages, totalItems}}`. `page`
starts at 1, `pageSize` defaults to 100 and may not exceed 1000; every `orderBy`
field must be among `fields` (400 `UE-1001`, as documented).

Served lazily over a million employees: the filter may bound `lastChanged`
(`gt`, `ge`, `lt`, `le`, joined by `and`), which is then served in lastChanged
order; without it rows come in employeeId order. Other filters are refused with
422 `INVALID_FILTER` naming them rather than answered wrongly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from interlink.simulators._http import RequestError
from interlink.simulators._store import Collection, OrderedView
from interlink.simulators.bamboohr._employees import DATASET_FIELDS, parse_iso

__all__ = ["DatasetQuery"]

MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 1_000, 100
_CLAUSE = re.compile(r"^\s*(\w+)\s+(gt|ge|lt|le|eq|ne|in)\s+(.+?)\s*$")


def _bad(message: str, status: int = 400, code: str = "INVALID_REQUEST") -> RequestError:
    return RequestError(message, status, f"problem:{code}")


def _int(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _bad(f"{name} must be a positive integer, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class DatasetQuery:
    fields: tuple[str, ...]
    since: float | None  # inclusive
    before: float | None  # exclusive
    by_time: bool
    page: int
    page_size: int

    @classmethod
    def parse(cls, body: dict[str, Any]) -> DatasetQuery:
        fields = body.get("fields")
        if (
            not isinstance(fields, list)
            or not fields
            or not all(isinstance(f, str) for f in fields)
        ):
            raise _bad("fields must be a non-empty array of field names")
        unknown = [f for f in fields if f not in DATASET_FIELDS]
        if unknown:
            raise _bad(f"Unknown field(s) for dataset employee: {', '.join(unknown)}", 400,
                       "UNKNOWN_FIELD")  # fmt: skip
        since, before = cls._filter(body.get("filter"))
        by_time = since is not None or before is not None
        order = body.get("orderBy")
        if order is not None:
            name, _, direction = str(order).strip().partition(" ")
            if name not in fields:
                raise _bad(f"orderBy field {name!r} must also appear in fields", 400, "UE-1001")
            if direction.strip() not in ("", "asc"):
                raise _bad("The simulator serves orderBy ascending only")
            wanted = "lastChanged" if by_time else "employeeId"
            if name != wanted:
                raise _bad(f"The simulator can order this query by {wanted} only, not {name!r}")
        page, page_size = _int(body, "page", 1), _int(body, "pageSize", DEFAULT_PAGE_SIZE)
        if page_size > MAX_PAGE_SIZE:
            raise _bad(f"pageSize must be at most {MAX_PAGE_SIZE}, got {page_size}")
        return cls(tuple(fields), since, before, by_time, page, page_size)

    @staticmethod
    def _filter(raw: Any) -> tuple[float | None, float | None]:
        if raw is None or raw == "":
            return None, None
        if not isinstance(raw, str):
            raise _bad("filter must be a string expression", 422, "INVALID_FILTER")
        if re.search(r"\bor\b", raw):
            raise _bad("The simulator supports filters joined by 'and' only", 422,
                       "INVALID_FILTER")  # fmt: skip
        since: float | None = None
        before: float | None = None
        for part in re.split(r"\band\b", raw):
            clause = part.strip()
            match = _CLAUSE.match(clause)
            if not match or match.group(1) != "lastChanged" or match.group(2) in ("eq", "ne", "in"):
                message = f"The simulator can filter on lastChanged gt/ge/lt/le only: {clause!r}"
                raise _bad(message, 422, "INVALID_FILTER")
            try:
                t = parse_iso(match.group(3).strip("'\""))
            except ValueError:
                raise _bad(f"Not a date-time: {match.group(3)}", 422, "INVALID_FILTER") from None
            # Times are whole seconds on the wire: "gt T" starts at the next second.
            op = match.group(2)
            if op in ("gt", "ge"):
                t = t + 1 if op == "gt" else t
                since = t if since is None else max(since, t)
            else:
                t = t + 1 if op == "le" else t
                before = t if before is None else min(before, t)
        return since, before

    def view(self, employees: Collection) -> OrderedView:
        if self.by_time:
            return employees.by_modified(self.since, self.before)
        return employees.by_id()

    def meta(self, total: int) -> dict[str, int]:
        return {
            "page": self.page,
            "pageSize": self.page_size,
            "totalPages": math.ceil(total / self.page_size),
            "totalItems": total,
        }
