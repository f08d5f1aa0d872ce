"""Opaque cursors: from a body path, from the last record, or from a header.

The next request is the first one with the cursor parameter set. The stream
ends when no cursor comes back (absent, null or empty: Slack's `""`) or the
vendor's flag says so; a flag saying "more" without a cursor is an error,
because stopping there would silently drop the rest.

`CursorPagination(cursor_in="json")` sends the cursor and the page size as
fields of the JSON body instead of the query (HubSpot's search: `after` and
`limit` in the POST body).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from interlink._errors import ConfigError
from interlink._types import JSON
from interlink.http._models import Request, Response
from interlink.pagination._base import (
    MoreFlag,
    check_cursor_in,
    optional_path,
    place_params,
    require_size_param,
    stop_error,
    with_page_size,
)
from interlink.pagination._paths import BodyPath

__all__ = ["CursorPagination", "HeaderCursorPagination"]


@dataclass(frozen=True, slots=True)
class CursorPagination:
    """A cursor read from the body (`cursor_path`, e.g. HubSpot's `paging.next.after`),
    or from the last record (`record_cursor_path`, e.g. Stripe's `starting_after=<id>`).

    `cursor_in` is where the cursor and page size are sent: `"query"` (the
    default) or `"json"`, as top-level fields of the request's JSON body.
    """

    cursor_path: str | None = None
    cursor_param: str = "cursor"
    record_cursor_path: str | None = None
    has_more_path: str | None = None
    done_path: str | None = None
    size_param: str | None = None
    page_size: int | None = None
    cursor_in: str = "query"
    _cursor: BodyPath | None = field(init=False, repr=False, compare=False)
    _record_cursor: BodyPath | None = field(init=False, repr=False, compare=False)
    _more: MoreFlag | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.cursor_path is None) == (self.record_cursor_path is None):
            raise ConfigError(
                "cursor_path",
                "is required: the body path of the next cursor (e.g. 'paging.next.after'); "
                "or give record_cursor_path instead (e.g. 'id'), not both",
            )
        if not self.cursor_param:
            raise ConfigError("cursor_param", "must name the query parameter of the cursor")
        require_size_param(self.page_size, self.size_param)
        check_cursor_in(self.cursor_in)
        object.__setattr__(self, "_cursor", optional_path(self.cursor_path, "cursor_path"))
        object.__setattr__(
            self, "_record_cursor", optional_path(self.record_cursor_path, "record_cursor_path")
        )
        object.__setattr__(self, "_more", MoreFlag.compile(self.has_more_path, self.done_path))

    def paginator(self) -> _CursorPaginator:
        return _CursorPaginator(self)


class _CursorPaginator:
    __slots__ = ("_first", "_spec")
    positional = False

    def __init__(self, spec: CursorPagination) -> None:
        self._spec = spec
        self._first: Request | None = None

    def start(self, request: Request) -> Request:
        spec = self._spec
        self._first = with_page_size(request, spec.size_param, spec.page_size, spec.cursor_in)
        return self._first

    def resume(self, request: Request) -> Request:
        # The cursor is whatever the request carries; the next one replaces it.
        self._first = request
        return request

    def advance(self, response: Response, body: JSON, records: Sequence[JSON]) -> Request | None:
        assert self._first is not None, "advance() before start()"
        spec = self._spec
        more = spec._more.more(body, response) if spec._more else None
        if more is False:
            return None
        if spec._cursor is not None:
            cursor = spec._cursor.get(body)
            source = spec.cursor_path
        else:
            assert spec._record_cursor is not None
            cursor = spec._record_cursor.get(records[-1]) if records else None
            source = f"the last record's {spec.record_cursor_path}"
        return _next(self._first, spec.cursor_param, cursor, more, source, response, spec.cursor_in)


@dataclass(frozen=True, slots=True)
class HeaderCursorPagination:
    """A cursor read from a response header (e.g. `X-Next-Cursor`)."""

    header: str
    cursor_param: str = "cursor"
    size_param: str | None = None
    page_size: int | None = None

    def __post_init__(self) -> None:
        if not self.header or not isinstance(self.header, str):
            raise ConfigError("header", "must name the response header holding the next cursor")
        if not self.cursor_param:
            raise ConfigError("cursor_param", "must name the query parameter of the cursor")
        require_size_param(self.page_size, self.size_param)

    def paginator(self) -> _HeaderCursorPaginator:
        return _HeaderCursorPaginator(self)


class _HeaderCursorPaginator:
    __slots__ = ("_first", "_spec")
    positional = False

    def __init__(self, spec: HeaderCursorPagination) -> None:
        self._spec = spec
        self._first: Request | None = None

    def start(self, request: Request) -> Request:
        spec = self._spec
        self._first = with_page_size(request, spec.size_param, spec.page_size)
        return self._first

    def resume(self, request: Request) -> Request:
        # The cursor is whatever the request carries; the next one replaces it.
        self._first = request
        return request

    def advance(self, response: Response, body: JSON, records: Sequence[JSON]) -> Request | None:
        assert self._first is not None, "advance() before start()"
        spec = self._spec
        cursor = response.headers.get(spec.header)
        return _next(self._first, spec.cursor_param, cursor, None, spec.header, response)


def _next(
    first: Request,
    param: str,
    cursor: JSON,
    more: bool | None,
    source: str | None,
    response: Response,
    cursor_in: str = "query",
) -> Request | None:
    if cursor is None or cursor == "":
        if more is True:
            raise stop_error(
                f"the vendor says there is more but gives no cursor at {source!r}", response
            )
        return None
    if isinstance(cursor, bool) or not isinstance(cursor, str | int | float):
        raise stop_error(
            f"the cursor at {source!r} must be a string or number, got {cursor!r}", response
        )
    return place_params(first, cursor_in, {param: cursor})
