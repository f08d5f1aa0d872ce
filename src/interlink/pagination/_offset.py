"""Position-based pages: offset/limit and page number.

Both stop on an empty page (whatever a total says), on the vendor's flag, on
a declared total, or on a short page when the vendor gives no flag. Both are
`positional`: the driver de-duplicates records that inserts shift across a
page boundary. Declare a page size no larger than the vendor's maximum: a
vendor that silently caps it makes every page look short.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from interlink._errors import ConfigError
from interlink._types import JSON
from interlink.http._models import Request, Response
from interlink.pagination._base import (
    MoreFlag,
    optional_path,
    require_positive,
    resume_int,
    stop_error,
)
from interlink.pagination._paths import BodyPath

__all__ = ["OffsetPagination", "PageNumberPagination"]


@dataclass(frozen=True, slots=True)
class OffsetPagination:
    """`?offset=N&limit=M`. `next_offset_path` reads a vendor-given next offset
    (Pipedrive's `additional_data.pagination.next_start`)."""

    limit: int = 100
    offset_param: str = "offset"
    limit_param: str | None = "limit"
    start: int = 0
    total_path: str | None = None
    has_more_path: str | None = None
    done_path: str | None = None
    next_offset_path: str | None = None
    stop_on_short_page: bool = True
    _total: BodyPath | None = field(init=False, repr=False, compare=False)
    _next: BodyPath | None = field(init=False, repr=False, compare=False)
    _more: MoreFlag | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        require_positive("limit", self.limit)
        if isinstance(self.start, bool) or self.start < 0:
            raise ConfigError("start", f"must be an integer >= 0, got {self.start!r}")
        object.__setattr__(self, "_total", optional_path(self.total_path, "total_path"))
        object.__setattr__(self, "_next", optional_path(self.next_offset_path, "next_offset_path"))
        object.__setattr__(self, "_more", MoreFlag.compile(self.has_more_path, self.done_path))

    def paginator(self) -> _OffsetPaginator:
        return _OffsetPaginator(self)


class _OffsetPaginator:
    __slots__ = ("_first", "_offset", "_spec")
    positional = True

    def __init__(self, spec: OffsetPagination) -> None:
        self._spec = spec
        self._offset = spec.start
        self._first: Request | None = None

    def start(self, request: Request) -> Request:
        spec = self._spec
        self._offset = spec.start
        params: dict[str, object] = {spec.offset_param: spec.start}
        if spec.limit_param:
            params[spec.limit_param] = spec.limit
        self._first = request.with_params(params)
        return self._first

    def resume(self, request: Request) -> Request:
        self._offset = resume_int(request, self._spec.offset_param)
        self._first = request
        return request

    def advance(self, response: Response, body: JSON, records: Sequence[JSON]) -> Request | None:
        assert self._first is not None, "advance() before start()"
        spec = self._spec
        if not records:
            return None
        more = spec._more.more(body, response) if spec._more else None
        if more is False:
            return None
        next_offset = self._offset + len(records)
        if spec._next is not None:
            given = spec._next.get(body)
            if given is None:
                if more is True:
                    raise stop_error(
                        f"the vendor says there is more but gives no {spec.next_offset_path!r}",
                        response,
                    )
                return None
            if isinstance(given, bool) or not isinstance(given, int) or given <= self._offset:
                raise stop_error(
                    f"next offset {given!r} at {spec.next_offset_path!r} does not move past "
                    f"the current offset {self._offset}",
                    response,
                )
            next_offset = given
        total = _count(spec._total, body, response)
        if total is not None and next_offset >= total:
            return None
        short = len(records) < spec.limit
        if more is None and total is None and spec.stop_on_short_page and short:
            return None
        self._offset = next_offset
        return self._first.with_params({spec.offset_param: next_offset})


@dataclass(frozen=True, slots=True)
class PageNumberPagination:
    """`?page=N&per_page=M`, counting from `first_page`."""

    page_size: int = 100
    page_param: str = "page"
    size_param: str | None = "per_page"
    first_page: int = 1
    total_pages_path: str | None = None
    total_path: str | None = None
    has_more_path: str | None = None
    done_path: str | None = None
    stop_on_short_page: bool = True
    _pages: BodyPath | None = field(init=False, repr=False, compare=False)
    _total: BodyPath | None = field(init=False, repr=False, compare=False)
    _more: MoreFlag | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        require_positive("page_size", self.page_size)
        if isinstance(self.first_page, bool) or self.first_page < 0:
            raise ConfigError("first_page", f"must be 0 or 1 (or more), got {self.first_page!r}")
        object.__setattr__(self, "_pages", optional_path(self.total_pages_path, "total_pages_path"))
        object.__setattr__(self, "_total", optional_path(self.total_path, "total_path"))
        object.__setattr__(self, "_more", MoreFlag.compile(self.has_more_path, self.done_path))

    def paginator(self) -> _PageNumberPaginator:
        return _PageNumberPaginator(self)


class _PageNumberPaginator:
    __slots__ = ("_first", "_page", "_spec")
    positional = True

    def __init__(self, spec: PageNumberPagination) -> None:
        self._spec = spec
        self._page = spec.first_page
        self._first: Request | None = None

    def start(self, request: Request) -> Request:
        spec = self._spec
        self._page = spec.first_page
        params: dict[str, object] = {spec.page_param: spec.first_page}
        if spec.size_param:
            params[spec.size_param] = spec.page_size
        self._first = request.with_params(params)
        return self._first

    def resume(self, request: Request) -> Request:
        self._page = resume_int(request, self._spec.page_param)
        self._first = request
        return request

    def advance(self, response: Response, body: JSON, records: Sequence[JSON]) -> Request | None:
        assert self._first is not None, "advance() before start()"
        spec = self._spec
        if not records:
            return None
        more = spec._more.more(body, response) if spec._more else None
        if more is False:
            return None
        pages_seen = self._page - spec.first_page + 1
        total_pages = _count(spec._pages, body, response)
        total = _count(spec._total, body, response)
        if total is not None:
            by_total = math.ceil(total / spec.page_size)
            total_pages = by_total if total_pages is None else min(total_pages, by_total)
        if total_pages is not None and pages_seen >= total_pages:
            return None
        short = len(records) < spec.page_size
        if more is None and total_pages is None and spec.stop_on_short_page and short:
            return None
        self._page += 1
        return self._first.with_params({spec.page_param: self._page})


def _count(path: BodyPath | None, body: JSON, response: Response) -> int | None:
    if path is None:
        return None
    value = path.get(body)
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise stop_error(f"{str(path)!r} must be a non-negative integer, got {value!r}", response)
    return value
