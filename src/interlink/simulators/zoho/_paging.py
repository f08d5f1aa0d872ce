"""Zoho's record listing: `page`/`per_page` for the first 2,000 records, `page_token` beyond.

Zoho serves at most 2,000 records through `page` numbers (page x per_page <=
2,000; past that it asks for `page_token`), and every page that has more
records carries `info.next_page_token`, valid for a day. The simulator's
page tokens sorted by id are keyset cursors (the last id handed out), so a
record created or deleted mid-walk never shifts a page; sorted by
Modified_Time they carry the next offset. `If-Modified-Since` keeps records
modified strictly after that instant (to the millisecond the store keeps).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict, dataclass, replace

import orjson
from starlette.requests import Request

from interlink.simulators._http import Reply
from interlink.simulators._keyset import keyset_page
from interlink.simulators._store import Collection, OrderedView
from interlink.simulators.zoho._wire import error_body, json_bytes

__all__ = [
    "PAGE_LIMIT",
    "Listing",
    "Page",
    "bad_parameter",
    "fetch",
    "number_param",
    "parse_listing",
]

PAGE_LIMIT = 2_000  # records reachable with `page`
MAX_PER_PAGE = 200
TOKEN_TTL = 86_400.0
_MS = 0.001


@dataclass(frozen=True, slots=True)
class Listing:
    """Where a listing stands: the query and its position (what a page token encodes)."""

    sort_by: str  # id | Modified_Time
    descending: bool
    since: float | None  # keep records modified at or after this (If-Modified-Since + 1 ms)
    page: int
    per_page: int
    after_id: int | None = None  # id order, token mode: the last id handed out
    offset: int | None = None  # Modified_Time order, token mode: records already handed out
    issued_at: float = 0.0

    def token(self) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(asdict(self))).decode().rstrip("=")

    @classmethod
    def from_token(cls, raw: str, now: float) -> Listing:
        try:
            data = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            listing = cls(**data)
        except (binascii.Error, ValueError, TypeError):
            raise bad_parameter("page_token", "invalid page_token") from None
        if now - listing.issued_at > TOKEN_TTL:
            raise bad_parameter("page_token", "the page_token has expired")
        return listing


@dataclass(frozen=True, slots=True)
class Page:
    refs: list[int]
    more: bool
    next: Listing | None


def bad_parameter(param: str, message: str, code: str = "INVALID_DATA") -> Reply:
    """Zoho names the offending parameter in `details`."""
    return Reply(json_bytes(400, error_body(400, message, code, {"param": param})))


def number_param(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name, str(default))
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        raise bad_parameter(
            name, f"{name} must be an integer from {low}" + (f" to {high}" if high else "")
        )
    return int(raw)


def parse_listing(request: Request, since: float | None, now: float) -> Listing:
    """The listing a request asks for, from its page token or its parameters."""
    token = request.query_params.get("page_token")
    per_page = number_param(request, "per_page", MAX_PER_PAGE, 1, MAX_PER_PAGE)
    if token:
        if "page" in request.query_params:
            raise bad_parameter("page", "page and page_token cannot be used together")
        return replace(Listing.from_token(token, now), per_page=per_page)
    sort_by = request.query_params.get("sort_by", "id")
    if sort_by not in ("id", "Modified_Time"):
        raise bad_parameter(
            "sort_by", f"the simulator sorts by id or Modified_Time, not {sort_by!r}"
        )
    order = request.query_params.get("sort_order", "desc")
    if order not in ("asc", "desc"):
        raise bad_parameter("sort_order", "sort_order must be asc or desc")
    page = number_param(request, "page", 1, 1, None)
    if (page - 1) * per_page >= PAGE_LIMIT:
        # Guessed code and wording: Zoho documents the limit, not the exact error.
        raise bad_parameter(
            "page",
            f"Cannot fetch more than {PAGE_LIMIT} records using page; use "
            "the page_token from info.next_page_token",
            "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
        )
    return Listing(sort_by, order == "desc", since, page, per_page, issued_at=now)


def fetch(collection: Collection, listing: Listing, now: float) -> Page:
    """One page of the listing, and the listing of the page after it."""
    take = listing.per_page
    if listing.sort_by == "id":

        def view(min_id: int, before: int | None) -> OrderedView:
            return collection.by_id(min_id, before, modified=(listing.since, None))

        if listing.offset is None and listing.after_id is None and listing.page > 1:
            whole = view(0, None)
            refs, more = _slice(whole, (listing.page - 1) * take, take, listing.descending)
        else:
            page = keyset_page(view, take, descending=listing.descending, after=listing.after_id)
            refs, more = page.refs, page.has_more
        last = _id_of(collection, refs[-1]) if refs else None
        following = replace(listing, page=listing.page + 1, after_id=last, issued_at=now)
    else:
        start = listing.offset if listing.offset is not None else (listing.page - 1) * take
        refs, more = _slice(collection.by_modified(listing.since), start, take, listing.descending)
        following = replace(listing, page=listing.page + 1, offset=start + len(refs), issued_at=now)
    return Page(refs, more, following if more else None)


def _slice(view: OrderedView, offset: int, take: int, descending: bool) -> tuple[list[int], bool]:
    n = len(view)
    count = max(0, min(take, n - offset))
    if descending:
        return view.refs(n - offset - count, count)[::-1], offset + count < n
    return view.refs(offset, count), offset + count < n


def _id_of(collection: Collection, ref: int) -> int:
    index = collection.pristine_index(ref)
    return ref if index is None else collection.first_id + index
