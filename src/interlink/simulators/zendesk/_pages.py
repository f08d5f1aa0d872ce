"""Zendesk's three ways through a collection: list pagination and the two incremental exports.

- **Lists** (`/api/v2/tickets.json`, users, deleted tickets): cursor pagination
  when `page[size]` is given (max 100; `page[after]` / `page[before]`; `meta`
  and `links` in the answer), otherwise offset pagination (`page`,
  `per_page`, `next_page`/`previous_page`/`count`), capped at the first
  10,000 records as Zendesk has done since August 2023.
- **Time-based export**: records whose `generated_timestamp` >= `start_time`,
  up to 1,000 a page, ordered by that timestamp. The next page starts at the
  page's `end_time` (its last timestamp), so records sharing that second
  come again on the next page: the duplicates Zendesk documents.
- **Cursor-based export**: the same order, but the cursor holds (time, id) of
  the last record sent, so nothing repeats.

Both exports leave out what changed within the last minute (Zendesk excludes it
"to ensure the accuracy of the data") and, unless `exclude_deleted=true`,
include soft-deleted tickets with status "deleted".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import QueryParams

from interlink.simulators._http import RequestError
from interlink.simulators._keyset import keyset_page
from interlink.simulators._store import Collection, OrderedView
from interlink.simulators.zendesk._wire import decode_cursor, encode_cursor

__all__ = [
    "CursorPage",
    "ExportPage",
    "OffsetPage",
    "cursor_export",
    "cursor_page",
    "export_cursor",
    "offset_page",
    "parse_export_cursor",
    "time_export",
]

MAX_PAGE_SIZE = 100
EXPORT_PAGE_SIZE = 1_000
OFFSET_CAP = 10_000  # offset pagination stops at the first 10,000 records
FRESHNESS = 60  # seconds: the export never shows changes younger than this
PAGINATION_ERROR = "InvalidPaginationParameter"


@dataclass(frozen=True, slots=True)
class CursorPage:
    refs: list[int]
    has_more: bool
    after_cursor: str | None
    before_cursor: str | None


@dataclass(frozen=True, slots=True)
class OffsetPage:
    refs: list[int]
    page: int
    per_page: int
    count: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.count


@dataclass(frozen=True, slots=True)
class ExportPage:
    refs: list[int]
    end_of_stream: bool
    end_time: int  # time-based: the next start_time
    after: tuple[float, int]  # cursor-based: (modified time, id) of the last record sent


def _integer(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise RequestError(
            f"{name} must be an integer from {low} to {high}, got {raw!r}", 400, PAGINATION_ERROR
        )
    return int(raw)


def _id_cursor(params: QueryParams, name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    parts = decode_cursor(raw, 1)
    if parts is None or not parts[0].isdigit():
        raise RequestError(
            f"{name} is not a cursor this API returned: {raw!r}", 400, PAGINATION_ERROR
        )
    return int(parts[0])


def _ref_id(collection: Collection, ref: int) -> int:
    index = collection.pristine_index(ref)
    return ref if index is None else collection.first_id + index


def _key(collection: Collection, ref: int) -> tuple[float, int]:
    index = collection.pristine_index(ref)
    if index is None:
        return collection.resolve(ref).modified_at, ref
    return collection.dataset.modified_at(index), collection.first_id + index


ViewById = Callable[[int, int | None], OrderedView]


def cursor_page(collection: Collection, params: QueryParams, by_id: ViewById) -> CursorPage:
    """One page in id order, `page[size]` / `page[after]` / `page[before]`; `by_id(min_id,
    before)` is the collection's view (its live records, or its deleted ones)."""
    size = _integer(params, "page[size]", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    after, before = _id_cursor(params, "page[after]"), _id_cursor(params, "page[before]")
    if after is not None and before is not None:
        raise RequestError("page[after] and page[before] cannot be combined", 400, PAGINATION_ERROR)
    page = keyset_page(by_id, size, descending=False, after=after, before=before)
    ids = [_ref_id(collection, ref) for ref in (page.refs[:1] + page.refs[-1:])]
    first, last = (encode_cursor(ids[0]), encode_cursor(ids[-1])) if ids else (None, None)
    return CursorPage(page.refs, page.has_more, last, first)  # has_more: the way we travel


def offset_page(view: OrderedView, params: QueryParams) -> OffsetPage:
    per_page = _integer(params, "per_page", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = _integer(params, "page", 1, 1, 1_000_000)
    if page * per_page > OFFSET_CAP:
        raise RequestError(
            f"Offset pagination is limited to the first {OFFSET_CAP:,} records (page={page}, "
            f"per_page={per_page}); use cursor pagination (page[size]) instead.",
            400,
            PAGINATION_ERROR,
        )
    return OffsetPage(view.refs((page - 1) * per_page, per_page), page, per_page, len(view))


def _export_view(collection: Collection, since: float, until: int, deleted: bool) -> OrderedView:
    """Records with since <= modified time < until, deleted ones too when `deleted`."""
    return collection.by_modified(since, float(until), include_archived=deleted)


def _cutoff(now: float) -> int:
    return int(now) - FRESHNESS + 1  # whole seconds, up to a minute ago


def time_export(
    collection: Collection, start_time: int, now: float, per_page: int, deleted: bool
) -> ExportPage:
    view = _export_view(collection, float(start_time), _cutoff(now), deleted)
    refs = view.refs(0, per_page + 1)
    more, refs = len(refs) > per_page, refs[:per_page]
    if not refs:
        return ExportPage([], True, start_time, (float(start_time), 0))
    end_time = int(_key(collection, refs[-1])[0])
    if more and end_time == start_time:
        # A whole page in one second would make no progress: Zendesk-style, the page
        # grows to hold every record of that second, and the next starts after it.
        whole_second = _export_view(collection, float(start_time), end_time + 1, deleted)
        refs = whole_second.refs(0, len(whole_second))
        end_time += 1
        more = len(view) > len(refs)
    return ExportPage(refs, not more, end_time, _key(collection, refs[-1]))


def parse_export_cursor(raw: str) -> tuple[float, int]:
    parts = decode_cursor(raw, 2)
    try:
        if parts is None:
            raise ValueError(raw)
        return float(parts[0]), int(parts[1])
    except ValueError:
        raise RequestError(
            f"cursor is not one this API returned: {raw!r}", 400, "InvalidValue"
        ) from None


def export_cursor(after: tuple[float, int]) -> str:
    return encode_cursor(f"{after[0]:.3f}", after[1])


def cursor_export(
    collection: Collection, after: tuple[float, int], now: float, per_page: int, deleted: bool
) -> ExportPage:
    """The records strictly after `after` = (modified time, id), up to a minute ago."""
    view = _export_view(collection, after[0], _cutoff(now), deleted)
    skip = 0  # records at exactly after[0] already sent: at most a handful
    while skip < len(view) and _key(collection, view.refs(skip, 1)[0]) <= after:
        skip += 1
    refs = view.refs(skip, per_page + 1)
    more, refs = len(refs) > per_page, refs[:per_page]
    last = _key(collection, refs[-1]) if refs else after
    return ExportPage(refs, not more, int(last[0]), last)
