"""The pagination driver: one loop for every strategy, with the loop guards.

`paginate` owns what no strategy should have to remember:

- a request already sent in this iteration is never sent again (a repeated
  cursor, next link or window is a `PaginationError`, not an endless loop);
- a page identical to the one before it is a `PaginationError` (a vendor that
  ignores the page parameter);
- at most `max_pages` pages: hitting the cap with pages left is an error by
  default, because a silent stop truncates data; `on_max_pages="stop"` ends
  cleanly instead, and the last `Page.next_request` says where to resume;
- records of positional strategies are de-duplicated by `id_field`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeAlias

from interlink._errors import ConfigError, PaginationError
from interlink._types import JSON
from interlink.http._models import Request, Response
from interlink.pagination._base import PaginatorSpec, stop_error
from interlink.pagination._paths import MISSING, BodyPath, compile_path
from interlink.pagination._seen import SeenIds

__all__ = ["DEFAULT_MAX_PAGES", "Page", "Send", "paginate"]

Send: TypeAlias = Callable[[Request], Awaitable[tuple[Response, JSON]]]
"""Sends one request through the pipeline; returns the response and its decoded JSON."""

DEFAULT_MAX_PAGES = 10_000
DEFAULT_SEEN_IDS = 10_000


@dataclass(frozen=True, slots=True)
class Page:
    """One page of records. `number` counts from 1.

    `next_request` is the request for the following page (None at the end of
    the stream): a sync can checkpoint it and resume from there.
    """

    records: list[JSON]
    number: int
    request: Request
    response: Response
    next_request: Request | None = None


async def paginate(
    send: Send,
    request: Request,
    paginator: PaginatorSpec,
    *,
    records_path: str | BodyPath,
    id_field: str | BodyPath | None = None,
    max_pages: int | None = DEFAULT_MAX_PAGES,
    on_max_pages: Literal["error", "stop"] = "error",
    seen_ids: int = DEFAULT_SEEN_IDS,
    provider: str | None = None,
    resume_from: Request | None = None,
    prefetch: bool = False,
) -> AsyncIterator[Page]:
    """Yield every page of `request`'s collection, as `paginator` declares it.

    `records_path` selects the list of records in the body (`"$"` when the
    body is the list). `id_field` (a path inside a record) turns on
    de-duplication for positional strategies, remembering the last
    `seen_ids` ids (about 100-150 bytes each: ~1.5 MB at the default).
    The loop guard remembers one 64-bit digest per page sent (a sync of a
    million records in pages of 100 holds 10,000 of them, well under a
    megabyte, where the requests themselves would take several).
    Errors raised by `send` propagate unchanged; `PaginationError`s carry
    `provider`. `resume_from` continues an earlier iteration from a page's
    `next_request` (a checkpoint) instead of starting at `request`: the
    strategy restores its state from it (`Paginator.resume`). With
    `prefetch`, the request for page N+1 is sent as soon as page N is read,
    while the caller handles page N (maps it, commits it): the vendor's time
    overlaps ours. Page N+1's failure is raised after page N was handled, as
    without prefetch; at most one request is in flight.
    """
    records_at = _as_path(records_path, "records_path")
    id_at = None if id_field is None else _as_path(id_field, "id_field")
    if max_pages is not None and (isinstance(max_pages, bool) or max_pages < 1):
        raise ConfigError("max_pages", f"must be an integer >= 1 or None, got {max_pages!r}")
    if on_max_pages not in ("error", "stop"):
        raise ConfigError("on_max_pages", f"must be 'error' or 'stop', got {on_max_pages!r}")
    if seen_ids < 1:
        raise ConfigError("seen_ids", f"must be an integer >= 1, got {seen_ids!r}")

    state = paginator.paginator()
    dedupe = SeenIds(id_at, seen_ids) if id_at is not None and state.positional else None
    current: Request | None = (
        state.start(request) if resume_from is None else state.resume(resume_from)
    )
    sent: set[int] = set()
    previous: object = None
    number = 0
    pending: asyncio.Future[tuple[Response, JSON]] | None = None
    try:
        while current is not None:
            key = _key(current)
            if key in sent:
                raise PaginationError(
                    f"page {number + 1} would repeat an earlier request: the vendor sent the "
                    "same cursor, page or next link again",
                    request=current,
                )
            sent.add(key)
            number += 1
            if pending is not None:
                fetched, pending = pending, None
                response, body = await fetched
            else:
                response, body = await send(current)
            records = _records(records_at, body, response)
            signature = _signature(records, id_at, response)
            if records and signature == previous:
                raise stop_error(
                    f"page {number} repeats page {number - 1}: the vendor ignored the "
                    "pagination parameter",
                    response,
                )
            previous = signature
            following = state.advance(response, body, records)
            kept = dedupe.fresh(records) if dedupe is not None else records
            # A repeated request is reported in turn (after this page), never sent.
            if (
                prefetch
                and following is not None
                and number != max_pages
                and _key(following) not in sent
            ):
                pending = asyncio.ensure_future(send(following))
            yield Page(kept, number, current, response, following)
            if following is not None and number == max_pages:
                if on_max_pages == "stop":
                    return
                raise stop_error(
                    f"stopped after max_pages={max_pages} with pages left; raise max_pages, "
                    "or declare on_max_pages='stop' to accept a truncated read",
                    response,
                )
            current = following
    except PaginationError as error:
        if error.provider is None:
            error.provider = provider
        raise
    finally:
        if pending is not None:  # the caller stopped early: the page is not wanted
            pending.cancel()
            pending.add_done_callback(_retrieve)


def _key(request: Request) -> int:
    # A digest, not the request: a false repeat needs a 64-bit collision within one listing.
    return hash((request.method, request.url, tuple(request.params.items()), request.content))


def _retrieve(future: asyncio.Future[tuple[Response, JSON]]) -> None:
    if not future.cancelled():
        future.exception()  # read, so an abandoned page's error is not logged as lost


def _as_path(path: str | BodyPath, where: str) -> BodyPath:
    return path if isinstance(path, BodyPath) else compile_path(path, where=where)


def _records(path: BodyPath, body: JSON, response: Response) -> list[JSON]:
    if body is None and not response.content.strip():
        return []  # a "no data" answer of the error contract (Zoho's 204 / 304)
    found = path.get(body, MISSING)
    if found is None:
        return []  # some vendors send `"data": null` for nothing
    if found is MISSING:
        raise stop_error(f"no records at {str(path)!r} in the page body", response)
    if not isinstance(found, list):
        raise stop_error(
            f"the records at {str(path)!r} must be a list, got {type(found).__name__}", response
        )
    return found


def _signature(records: list[JSON], id_at: BodyPath | None, response: Response) -> object:
    # Ids when known (a body can carry a per-response timestamp); else the raw bytes.
    if id_at is None:
        return response.content
    return [id_at.get(record) for record in records]
