"""The driver's and strategies' guards: loops, lies, runaway page counts, foreign hosts, shifts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pgkit import BASE, EXPECTED, TOTAL, collect, dataset, ids, query, sender

from interlink._errors import ConfigError, PaginationError
from interlink.http import Request, Response, respond
from interlink.pagination import (
    CursorPagination,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    Page,
    PageNumberPagination,
    TimeWindowPagination,
    paginate,
)

RECORDS = dataset()


def request() -> Request:
    return Request.build("GET", BASE)


async def drain(pages: AsyncIterator[Page], into: list[Page]) -> None:
    """Collect pages into `into`, so the pages before an error can be checked."""
    async for page in pages:
        into.append(page)


async def test_a_repeated_cursor_is_a_pagination_error_not_a_loop() -> None:
    """A vendor that hands back a cursor it already gave stops with a PaginationError."""

    def vendor(request: Request) -> Response:
        cursor = query(request).get("cursor", "a")
        following = {"a": "b", "b": "c", "c": "b"}[cursor]
        return respond(request, json={"items": [{"id": cursor}], "next": following})

    send, transport = sender(vendor)
    pages: list[Page] = []
    spec = CursorPagination(cursor_path="next")
    with pytest.raises(PaginationError, match="repeat an earlier request") as caught:
        await drain(paginate(send, request(), spec, records_path="items", provider="acme"), pages)
    assert ids(pages) == ["a", "b", "c"]
    assert len(transport.requests) == 3
    assert caught.value.provider == "acme"
    assert "cursor=b" in str(caught.value)


async def test_a_repeated_page_is_a_pagination_error() -> None:
    """A vendor that ignores the page parameter (same full page forever) is caught on page 2."""

    def vendor(request: Request) -> Response:
        return respond(request, json={"results": RECORDS[:100]})

    send, transport = sender(vendor)
    with pytest.raises(PaginationError, match="page 2 repeats page 1"):
        await collect(
            paginate(send, request(), PageNumberPagination(page_size=100), records_path="results")
        )
    assert len(transport.requests) == 2


async def test_a_repeated_page_is_caught_by_ids_even_when_the_body_differs() -> None:
    """With an id field, a repeated page is recognised by its ids although a timestamp changes."""
    calls = {"n": 0}

    def vendor(request: Request) -> Response:
        calls["n"] += 1
        return respond(request, json={"results": RECORDS[:100], "server_time": calls["n"]})

    send, _ = sender(vendor)
    with pytest.raises(PaginationError, match="page 2 repeats page 1"):
        await collect(
            paginate(
                send,
                request(),
                PageNumberPagination(page_size=100),
                records_path="results",
                id_field="id",
            )
        )


async def test_an_empty_page_ends_the_stream_even_if_the_total_says_more() -> None:
    """A total of 1000 with only 250 records: the empty page ends it, no error, no extra calls."""

    def vendor(request: Request) -> Response:
        q = query(request)
        offset, limit = int(q["offset"]), int(q["limit"])
        return respond(request, json={"items": RECORDS[offset : offset + limit], "total": 1000})

    spec = OffsetPagination(limit=50, total_path="total")
    send, transport = sender(vendor)
    pages = await collect(paginate(send, request(), spec, records_path="items"))
    assert ids(pages) == EXPECTED
    assert len(transport.requests) == 6
    assert pages[-1].records == []


def endless(request: Request) -> Response:
    page = int(query(request)["page"])
    return respond(request, json={"results": [{"id": page}], "has_more": True})


async def test_max_pages_is_an_error_by_default_after_yielding_the_allowed_pages() -> None:
    """max_pages reached with pages left raises (truncating loses data), after yielding them."""
    spec = PageNumberPagination(page_size=1, has_more_path="has_more")
    send, transport = sender(endless)
    pages: list[Page] = []
    with pytest.raises(PaginationError, match="max_pages=5"):
        await drain(paginate(send, request(), spec, records_path="results", max_pages=5), pages)
    assert len(pages) == 5
    assert len(transport.requests) == 5


async def test_max_pages_can_stop_cleanly_and_say_where_to_resume() -> None:
    """on_max_pages="stop" ends cleanly; the last page's next_request is where to resume."""
    spec = PageNumberPagination(page_size=1, has_more_path="has_more")
    send, transport = sender(endless)
    pages = await collect(
        paginate(send, request(), spec, records_path="results", max_pages=3, on_max_pages="stop")
    )
    assert [p.number for p in pages] == [1, 2, 3]
    assert len(transport.requests) == 3
    assert pages[-1].next_request is not None
    assert query(pages[-1].next_request)["page"] == "4"


async def test_reaching_max_pages_on_the_last_page_is_not_an_error() -> None:
    """A stream that ends exactly at max_pages completes normally."""

    def vendor(request: Request) -> Response:
        page = int(query(request)["page"])
        return respond(request, json={"results": [{"id": page}], "has_more": page < 3})

    spec = PageNumberPagination(page_size=1, has_more_path="has_more")
    send, _ = sender(vendor)
    pages = await collect(paginate(send, request(), spec, records_path="results", max_pages=3))
    assert len(pages) == 3


@pytest.mark.parametrize(
    "next_link",
    [
        "https://evil.example/v1/contacts?page=2",
        "//evil.example/v1/contacts?page=2",
        "http://api.vendor.test/v1/contacts?page=2",
        "https://me:pw@api.vendor.test/v1/contacts?page=2",
        "https://api.vendor.test:8443/v1/contacts?page=2",
        "file:///etc/passwd",
    ],
)
async def test_a_next_link_off_the_request_origin_is_refused(next_link: str) -> None:
    """Other host, protocol-relative host, scheme downgrade, user-info, port, scheme: refused."""

    def vendor(request: Request) -> Response:
        return respond(request, json={"items": [{"id": 1}], "next": next_link})

    send, transport = sender(vendor)
    with pytest.raises(PaginationError, match="foreign origin"):
        await collect(
            paginate(send, request(), NextUrlPagination(next_url_path="next"), records_path="items")
        )
    assert len(transport.requests) == 1


async def test_a_foreign_link_header_is_refused_and_its_query_is_not_echoed() -> None:
    """A Link header to another host is refused; the error names its origin, never its query."""

    def vendor(request: Request) -> Response:
        link = '<https://evil.example/steal?api_key=SECRET123>; rel="next"'
        return respond(request, json=[{"id": 1}], headers={"Link": link})

    send, _ = sender(vendor)
    with pytest.raises(PaginationError) as caught:
        await collect(paginate(send, request(), LinkHeaderPagination(), records_path="$"))
    assert "https://evil.example" in str(caught.value)
    assert "SECRET123" not in str(caught.value)
    assert "SECRET123" not in repr(caught.value)


async def test_allowed_hosts_admit_a_declared_second_host_on_the_same_scheme() -> None:
    """A declared extra host (e.g. a vendor's CDN for exports) is followed."""

    def vendor(request: Request) -> Response:
        if "cdn.vendor.test" in request.url:
            return respond(request, json={"items": [{"id": 2}]})
        return respond(request, json={"items": [{"id": 1}], "next": "https://cdn.vendor.test/p2"})

    spec = NextUrlPagination(next_url_path="next", allowed_hosts=("CDN.vendor.test",))
    send, _ = sender(vendor)
    pages = await collect(paginate(send, request(), spec, records_path="items"))
    assert ids(pages) == [1, 2]


async def test_relative_next_urls_resolve_against_the_request_url() -> None:
    """Query-only, path-absolute and relative next URLs resolve on the current page's URL."""
    nexts = ["?page=2", "/v1/contacts/p3", "p4", None]

    def vendor(request: Request) -> Response:
        index = len(transport.requests) - 1
        return respond(request, json={"items": [{"id": index}], "next": nexts[index]})

    send, transport = sender(vendor)
    pages = await collect(
        paginate(send, request(), NextUrlPagination(next_url_path="next"), records_path="items")
    )
    assert len(pages) == 4
    assert [r.full_url for r in transport.requests[1:]] == [
        f"{BASE}?page=2",
        "https://api.vendor.test/v1/contacts/p3",
        "https://api.vendor.test/v1/contacts/p4",
    ]


async def test_offset_pages_shifting_under_inserts_yield_no_duplicates() -> None:
    """Inserts at the head shift seen records into the next page: they are dropped by id."""
    live: list[dict[str, Any]] = list(reversed(RECORDS))  # newest first, like most list endpoints
    inserted = 0

    def vendor(request: Request) -> Response:
        nonlocal inserted
        q = query(request)
        offset, limit = int(q["offset"]), int(q["limit"])
        page = live[offset : offset + limit]
        for _ in range(7):  # seven new records arrive after every page
            live.insert(0, {"id": f"new{inserted}"})
            inserted += 1
        return respond(request, json={"items": page})

    send, _ = sender(vendor)
    pages = await collect(
        paginate(send, request(), OffsetPagination(limit=50), records_path="items", id_field="id")
    )
    seen = ids(pages)
    assert len(seen) == len(set(seen))
    assert set(EXPECTED) <= set(seen)  # inserts never hide an existing record


async def test_without_an_id_field_shifted_records_do_come_back_twice() -> None:
    """Without id_field the same shifting vendor repeats records: de-duplication is the fix."""
    live: list[dict[str, Any]] = list(reversed(RECORDS))

    def vendor(request: Request) -> Response:
        q = query(request)
        offset, limit = int(q["offset"]), int(q["limit"])
        page = live[offset : offset + limit]
        live.insert(0, {"id": f"new{len(live)}"})
        return respond(request, json={"items": page})

    send, _ = sender(vendor)
    seen = ids(
        await collect(paginate(send, request(), OffsetPagination(limit=50), records_path="items"))
    )
    assert len(seen) > len(set(seen))


async def test_seen_ids_memory_is_bounded() -> None:
    """seen_ids=10 remembers only the last ten ids: an older id coming back is yielded again."""
    chunks = [RECORDS[0:10], RECORDS[10:20], RECORDS[0:10] + RECORDS[20:25]]

    def vendor(request: Request) -> Response:
        index = int(query(request)["offset"]) // 10
        return respond(request, json={"items": chunks[index] if index < len(chunks) else []})

    spec = OffsetPagination(limit=10)
    send, _ = sender(vendor)
    pages = await collect(
        paginate(send, request(), spec, records_path="items", id_field="id", seen_ids=10)
    )
    assert len(pages[2].records) == 15  # ids 0-9 were forgotten when 10-19 arrived


async def test_has_more_without_a_cursor_is_an_error_not_a_silent_stop() -> None:
    """`has_more: true` with no cursor would drop the rest: PaginationError."""

    def vendor(request: Request) -> Response:
        return respond(request, json={"data": [{"id": 1}], "has_more": True, "next": None})

    spec = CursorPagination(cursor_path="next", has_more_path="has_more")
    send, _ = sender(vendor)
    with pytest.raises(PaginationError, match="says there is more"):
        await collect(paginate(send, request(), spec, records_path="data"))


async def test_a_next_offset_that_goes_backwards_is_an_error() -> None:
    """A vendor-given next offset that does not move forward is a PaginationError."""

    def vendor(request: Request) -> Response:
        return respond(request, json={"data": [{"id": 1}], "next_start": 0})

    spec = OffsetPagination(limit=1, next_offset_path="next_start")
    send, _ = sender(vendor)
    with pytest.raises(PaginationError, match="does not move past"):
        await collect(paginate(send, request(), spec, records_path="data"))


async def test_a_full_window_that_cannot_move_is_an_error() -> None:
    """More records on one timestamp than a page holds would loop or drop data: PaginationError."""

    def vendor(request: Request) -> Response:
        return respond(request, json={"data": [{"id": i, "updated_at": 1000} for i in range(3)]})

    spec = TimeWindowPagination(
        since_param="since",
        initial=1000,
        record_time_path="updated_at",
        page_size=3,
        size_param="limit",
    )
    send, _ = sender(vendor)
    with pytest.raises(PaginationError, match="cannot move on"):
        await collect(paginate(send, request(), spec, records_path="data", id_field="id"))


@pytest.mark.parametrize(
    ("body", "message"),
    [({"other": []}, "no records at 'items'"), ({"items": {"a": 1}}, "must be a list, got dict")],
)
async def test_records_missing_or_not_a_list_is_an_error(
    body: dict[str, Any], message: str
) -> None:
    """A body without the declared records list is an error, never a silent empty page."""

    def vendor(request: Request) -> Response:
        return respond(request, json=body)

    send, _ = sender(vendor)
    with pytest.raises(PaginationError, match=message):
        await collect(paginate(send, request(), OffsetPagination(), records_path="items"))


async def test_null_records_are_an_empty_page() -> None:
    """`"items": null` is an empty page, which ends an offset stream."""

    def vendor(request: Request) -> Response:
        return respond(request, json={"items": None, "total": TOTAL})

    send, _ = sender(vendor)
    pages = await collect(
        paginate(send, request(), OffsetPagination(total_path="total"), records_path="items")
    )
    assert [p.records for p in pages] == [[]]


async def test_a_flag_that_is_not_a_boolean_is_an_error() -> None:
    """A `has_more` of "maybe" is reported, not guessed."""

    def vendor(request: Request) -> Response:
        return respond(request, json={"items": [{"id": 1}], "has_more": "maybe"})

    send, _ = sender(vendor)
    with pytest.raises(PaginationError, match="must be a boolean"):
        await collect(
            paginate(
                send, request(), OffsetPagination(has_more_path="has_more"), records_path="items"
            )
        )


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"max_pages": 0}, "max_pages"),
        ({"on_max_pages": "ignore"}, "on_max_pages"),
        ({"seen_ids": 0}, "seen_ids"),
        ({"records_path": "a..b"}, "records_path"),
        ({"id_field": "x y"}, "id_field"),
    ],
)
async def test_bad_driver_arguments_are_config_errors(kwargs: dict[str, Any], where: str) -> None:
    """Bad paginate() arguments fail before any request is sent, naming the argument."""
    send, transport = sender(lambda r: respond(r, json={"items": []}))
    options: dict[str, Any] = {"records_path": "items", **kwargs}
    with pytest.raises(ConfigError) as caught:
        await collect(paginate(send, request(), OffsetPagination(), **options))
    assert caught.value.where == where
    assert transport.requests == []
