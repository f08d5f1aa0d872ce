"""Shopify list requests: filters, `page_info` cursors and the `Link` header.

A first request carries the filters (`since_id`, `updated_at_min/max`,
`created_at_min/max`, `ids`, orders' `status`); the answer's `Link` header
holds `rel="next"` / `rel="previous"` URLs whose opaque `page_info` encodes
those filters with the last id seen. A request with `page_info` may carry
only `limit` and `fields`, anything else is a 400 naming it, as Shopify does.
Lists run newest first (id descending); with `since_id`, oldest first from
that id (ascending), which is how clients walk a shop incrementally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from interlink.simulators._http import RequestError
from interlink.simulators.shopify._objects import parse_time
from interlink.simulators.shopify._wire import PAGINATION_DOCS, decode_page_info

__all__ = ["MAX_LIMIT", "ListQuery"]

MAX_LIMIT, DEFAULT_LIMIT = 250, 50
_COMMON = ("ids", "since_id", "created_at_min", "created_at_max", "updated_at_min",
           "updated_at_max", "limit", "fields", "page_info")  # fmt: skip
KNOWN = {"customers": frozenset(_COMMON), "orders": frozenset((*_COMMON, "status"))}
# Real Shopify filters the simulator cannot answer lazily: refused by name, never ignored.
UNSUPPORTED = frozenset({"financial_status", "fulfillment_status", "processed_at_min",
                         "processed_at_max", "attribution_app_id"})  # fmt: skip
STATUSES = ("open", "closed", "cancelled", "any")


class ShopifyParamError(RequestError):
    """A 400/422 whose body names the parameter: {"errors": {param: message}}."""

    def __init__(self, param: str, message: str, status: int = 400) -> None:
        super().__init__(message, status, param)


@dataclass(frozen=True, slots=True)
class ListQuery:
    limit: int
    fields: tuple[str, ...] | None
    filters: dict[str, Any]  # JSON-ready: travels inside page_info
    direction: str | None = None  # "next" / "prev" when paging with page_info
    last_id: int | None = None

    @property
    def ascending(self) -> bool:
        return self.filters.get("since_id") is not None

    @classmethod
    def parse(cls, params: QueryParams, resource: str) -> ListQuery:
        for name in params:
            if name in UNSUPPORTED:
                raise ShopifyParamError(name, f"{name} is not supported by the simulator")
            if name not in KNOWN[resource]:
                # Shopify ignores unknown parameters; the simulator names them instead, so
                # a client's typo is found in tests rather than silently unfiltered.
                raise ShopifyParamError(name, f"{name} is not a parameter of {resource}.json")
        limit = _limit(params.get("limit"))
        fields = _fields(params.get("fields"))
        raw_cursor = params.get("page_info")
        if raw_cursor is None:
            return cls(limit, fields, _filters(params))
        for name in params:
            if name not in ("page_info", "limit", "fields"):
                raise ShopifyParamError(
                    name, f"{name} cannot be passed when page_info is present. "
                    f"See {PAGINATION_DOCS} for more information.",
                )  # fmt: skip
        decoded = decode_page_info(raw_cursor)
        if decoded is None or decoded.get("resource") != resource:
            raise ShopifyParamError("page_info", "Invalid value.")  # guess: wording
        return cls(limit, fields, decoded["filters"], decoded["direction"], decoded["last_id"])


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        # Guess: the wording; the bounds (1..250) are Shopify's.
        raise ShopifyParamError("limit", f"must be an integer between 1 and {MAX_LIMIT}")
    return int(raw)


def _fields(raw: str | None) -> tuple[str, ...] | None:
    if raw is None:
        return None
    return tuple(sorted({f.strip() for f in raw.split(",") if f.strip()}))


def _time(params: QueryParams, name: str) -> float | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return parse_time(raw)
    except ValueError:
        raise ShopifyParamError(name, f"{name} must be an ISO 8601 date, got {raw!r}") from None


def _filters(params: QueryParams) -> dict[str, Any]:
    out: dict[str, Any] = {}
    since_id = params.get("since_id")
    if since_id is not None:
        if not since_id.isdigit():
            raise ShopifyParamError("since_id", f"since_id must be an id, got {since_id!r}")
        out["since_id"] = int(since_id)
    if params.get("ids") is not None:
        ids = [x.strip() for x in params["ids"].split(",") if x.strip()]
        if not all(x.isdigit() for x in ids):
            raise ShopifyParamError("ids", "ids must be a comma-separated list of ids")
        out["ids"] = sorted({int(x) for x in ids})
    # Shopify's *_min and *_max are inclusive and whole seconds: [min, max + 1).
    for kind in ("updated", "created"):
        low, high = _time(params, f"{kind}_at_min"), _time(params, f"{kind}_at_max")
        if low is not None or high is not None:
            out[kind] = [low, None if high is None else high + 1.0]
    status = params.get("status")
    if status is not None:
        if status not in STATUSES:
            raise ShopifyParamError("status", f"status must be one of {', '.join(STATUSES)}")
        out["status"] = status
    return out


def link_header(base: str, limit: int, nxt: str | None, prev: str | None) -> str | None:
    """`<...page_info=x&limit=n>; rel="next", <...>; rel="previous"` (previous first, as
    Shopify writes it when both are present)."""
    links = []
    if prev is not None:
        links.append(f'<{base}?page_info={prev}&limit={limit}>; rel="previous"')
    if nxt is not None:
        links.append(f'<{base}?page_info={nxt}&limit={limit}>; rel="next"')
    return ", ".join(links) or None
