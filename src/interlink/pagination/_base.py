"""The paginator lifecycle, and the small pieces every strategy shares.

A strategy has two halves:

- a *declaration* (`PaginatorSpec`): a frozen dataclass, built from a
  connector spec, compiled once, shared freely;
- a *paginator*: the per-iteration state the declaration builds with
  `paginator()`. Its lifecycle is `start(request)` (reset, return the first
  request), then `advance(response, body, records)` per page: the next request,
  or None to stop.

`paginate` builds a fresh paginator per iteration, so two concurrent
iterations of one declaration never share a cursor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import orjson

from interlink._errors import ConfigError, PaginationError
from interlink._types import JSON
from interlink.http._models import Request, Response
from interlink.pagination._paths import BodyPath, compile_path

__all__ = ["MoreFlag", "Paginator", "PaginatorSpec", "resume_int"]


class Paginator(Protocol):
    """Per-iteration pagination state: first request, read page, next request or stop."""

    @property
    def positional(self) -> bool:
        """True when pages are positions (offset, page number, time window).

        Records inserted concurrently shift such pages, so the driver keeps a
        bounded set of seen ids and drops repeats.
        """
        ...

    def start(self, request: Request) -> Request:
        """Reset, and return the first request (with page-size/offset params)."""
        ...

    def advance(self, response: Response, body: JSON, records: Sequence[JSON]) -> Request | None:
        """Read one page; return the request for the next page, or None to stop.

        Raises `PaginationError` when the vendor's pagination contradicts itself.
        """
        ...

    def resume(self, request: Request) -> Request:
        """Continue from `request`, which an earlier iteration's `advance()` returned
        (a sync's checkpoint): restore the state it implies, return the request to send.

        Offsets and page numbers are read back from its params; a cursor, next
        link or window start is the request itself. A request that cannot be a
        continuation of this declaration is a `ConfigError`.
        """
        ...


class PaginatorSpec(Protocol):
    """A pagination declaration: immutable, builds one paginator per iteration."""

    def paginator(self) -> Paginator:
        """A fresh paginator with its own state."""
        ...


@dataclass(frozen=True, slots=True)
class MoreFlag:
    """A vendor's "is there more?" flag: `has_more`-style, or `done`-style (inverted)."""

    path: BodyPath
    inverted: bool

    @classmethod
    def compile(cls, has_more_path: str | None, done_path: str | None) -> MoreFlag | None:
        if has_more_path is not None and done_path is not None:
            raise ConfigError("done_path", "declare either has_more_path or done_path, not both")
        if has_more_path is not None:
            return cls(compile_path(has_more_path, where="has_more_path"), inverted=False)
        if done_path is not None:
            return cls(compile_path(done_path, where="done_path"), inverted=True)
        return None

    def more(self, body: JSON, response: Response) -> bool | None:
        """True/False when the body says; None when the flag is absent."""
        value = self.path.get(body)
        if value is None:
            return None
        if isinstance(value, bool):
            flag = value
        elif isinstance(value, str) and value.lower() in ("true", "false"):
            flag = value.lower() == "true"
        elif isinstance(value, int) and value in (0, 1):
            flag = bool(value)
        else:
            raise PaginationError(
                f"pagination flag {str(self.path)!r} must be a boolean, got {value!r}",
                request=response.request,
                response=response,
            )
        return not flag if self.inverted else flag


def require_positive(where: str, value: int | None) -> None:
    """Reject a page size (or count) below 1."""
    if value is not None and (isinstance(value, bool) or value < 1):
        raise ConfigError(where, f"must be an integer >= 1, got {value!r}")


def require_size_param(page_size: int | None, size_param: str | None) -> None:
    """A page size is only sent when the declaration names its query parameter."""
    require_positive("page_size", page_size)
    if page_size is not None and not size_param:
        raise ConfigError("size_param", "is required when page_size is set")


def with_page_size(
    request: Request, size_param: str | None, page_size: int | None, cursor_in: str = "query"
) -> Request:
    """`request` with the page-size parameter, when one is declared (`cursor_in`: where)."""
    if size_param and page_size is not None:
        return place_params(request, cursor_in, {size_param: page_size})
    if cursor_in == "json":
        return with_json_fields(request, {})  # checks, once, that the body is an object
    return request


CURSOR_PLACES = ("query", "json")
"""Where a cursor (and page size) travels: the query string, or a field of the JSON body."""


def check_cursor_in(cursor_in: str) -> None:
    if cursor_in not in CURSOR_PLACES:
        raise ConfigError(
            "cursor_in", f"must be one of: {', '.join(CURSOR_PLACES)}; got {cursor_in!r}"
        )


def with_json_fields(request: Request, values: Mapping[str, object]) -> Request:
    """`request` with top-level fields of its JSON object body set (HubSpot search's `after`)."""
    try:
        body = orjson.loads(request.content) if request.content else {}
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise ConfigError(
            "cursor_in", "'json' needs a request whose body is a JSON object (or empty)"
        )
    body.update(values)
    headers = request.headers
    if not any(name.lower() == "content-type" for name in headers):
        headers = {**headers, "Content-Type": "application/json"}
    return replace(request, headers=headers, content=orjson.dumps(body))


def place_params(request: Request, cursor_in: str, values: Mapping[str, object]) -> Request:
    """`request` with `values` in its query (`cursor_in="query"`) or JSON body (`"json"`)."""
    if cursor_in == "json":
        return with_json_fields(request, values)
    return request.with_params(values)


def resume_int(request: Request, param: str) -> int:
    """The integer query parameter `param` of a checkpointed request."""
    value = request.params.get(param)
    if value is None or not value.lstrip("-").isdigit():
        raise ConfigError(
            "resume_from", f"the request to resume has no integer {param!r} parameter: {request!r}"
        )
    return int(value)


def optional_path(source: str | None, where: str) -> BodyPath | None:
    return None if source is None else compile_path(source, where=where)


def stop_error(message: str, response: Response) -> PaginationError:
    """A `PaginationError` about `response`'s page."""
    return PaginationError(message, request=response.request, response=response)
