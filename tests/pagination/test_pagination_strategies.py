"""Each strategy against a fake vendor in that vendor's style: every record, once, in order."""

from __future__ import annotations

import asyncio
import math

from pgkit import BASE, EXPECTED, TOTAL, collect, dataset, ids, query, sender

from interlink.http import Request, Response, respond
from interlink.pagination import (
    CursorPagination,
    HeaderCursorPagination,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    PageNumberPagination,
    SinglePage,
    TimeWindowPagination,
    paginate,
)

RECORDS = dataset()


def first_request() -> Request:
    return Request.build("GET", BASE, params={"archived": "false"})


async def test_offset_limit_reads_every_record_and_stops_on_the_short_page() -> None:
    """Offset/limit: 100+100+50 records, stopping on the short last page without a 4th call."""

    def vendor(request: Request) -> Response:
        q = query(request)
        offset, limit = int(q["offset"]), int(q["limit"])
        assert q["archived"] == "false"
        return respond(request, json={"items": RECORDS[offset : offset + limit]})

    send, transport = sender(vendor)
    pages = await collect(
        paginate(send, first_request(), OffsetPagination(limit=100), records_path="items")
    )
    assert ids(pages) == EXPECTED
    assert [len(p.records) for p in pages] == [100, 100, 50]
    assert [p.number for p in pages] == [1, 2, 3]
    assert len(transport.requests) == 3
    assert pages[-1].next_request is None


async def test_offset_with_exact_multiple_ends_on_the_empty_page() -> None:
    """Offset/limit where the total divides the page size: the empty page ends the stream."""

    def vendor(request: Request) -> Response:
        q = query(request)
        offset, limit = int(q["offset"]), int(q["limit"])
        return respond(request, json={"items": RECORDS[offset : offset + limit]})

    send, transport = sender(vendor)
    pages = await collect(
        paginate(send, first_request(), OffsetPagination(limit=50), records_path="items")
    )
    assert ids(pages) == EXPECTED
    assert len(transport.requests) == 6  # five full pages, then the empty one


async def test_offset_follows_pipedrive_next_start_and_more_items_flag() -> None:
    """Pipedrive style: `start`/`limit`, with next_start and the more flag in additional_data."""

    def vendor(request: Request) -> Response:
        q = query(request)
        start, limit = int(q["start"]), int(q["limit"])
        more = start + limit < TOTAL
        pagination = {"start": start, "limit": limit, "more_items_in_collection": more}
        if more:
            pagination["next_start"] = start + limit
        return respond(
            request,
            json={
                "data": RECORDS[start : start + limit],
                "additional_data": {"pagination": pagination},
            },
        )

    spec = OffsetPagination(
        limit=100,
        offset_param="start",
        has_more_path="additional_data.pagination.more_items_in_collection",
        next_offset_path="additional_data.pagination.next_start",
    )
    send, transport = sender(vendor)
    pages = await collect(paginate(send, first_request(), spec, records_path="data"))
    assert ids(pages) == EXPECTED
    assert [query(r)["start"] for r in transport.requests] == ["0", "100", "200"]


async def test_offset_trusts_a_more_flag_over_a_short_page() -> None:
    """A vendor capping the page below the declared limit keeps going while its flag says more."""

    def vendor(request: Request) -> Response:
        offset = int(query(request)["offset"])
        chunk = RECORDS[offset : offset + 40]  # the vendor caps at 40 whatever we ask
        return respond(request, json={"items": chunk, "has_more": offset + 40 < TOTAL})

    spec = OffsetPagination(limit=100, has_more_path="has_more")
    send, _ = sender(vendor)
    pages = await collect(paginate(send, first_request(), spec, records_path="items"))
    assert ids(pages) == EXPECTED


async def test_page_number_stops_at_total_pages() -> None:
    """Page number: `page`/`per_page` from 1, stopping when `meta.total_pages` is reached."""

    def vendor(request: Request) -> Response:
        q = query(request)
        page, size = int(q["page"]), int(q["per_page"])
        chunk = RECORDS[(page - 1) * size : page * size]
        return respond(
            request, json={"results": chunk, "meta": {"total_pages": math.ceil(TOTAL / size)}}
        )

    spec = PageNumberPagination(page_size=50, total_pages_path="meta.total_pages")
    send, transport = sender(vendor)
    pages = await collect(paginate(send, first_request(), spec, records_path="results"))
    assert ids(pages) == EXPECTED
    assert len(transport.requests) == 5  # the total says 5: no sixth, empty call


async def test_page_number_from_zero_with_a_record_total() -> None:
    """Page number counted from 0 with a record total instead of a page total."""

    def vendor(request: Request) -> Response:
        q = query(request)
        page, size = int(q["p"]), int(q["size"])
        return respond(
            request, json={"rows": RECORDS[page * size : (page + 1) * size], "total": TOTAL}
        )

    spec = PageNumberPagination(
        page_size=100, page_param="p", size_param="size", first_page=0, total_path="total"
    )
    send, transport = sender(vendor)
    pages = await collect(paginate(send, first_request(), spec, records_path="rows"))
    assert ids(pages) == EXPECTED
    assert [query(r)["p"] for r in transport.requests] == ["0", "1", "2"]


async def test_cursor_from_a_body_path_hubspot_style() -> None:
    """HubSpot style: `after` cursor at `paging.next.after`; no `paging` on the last page."""

    def vendor(request: Request) -> Response:
        q = query(request)
        start, limit = int(q.get("after", "0")), int(q["limit"])
        body: dict[str, object] = {"results": RECORDS[start : start + limit]}
        if start + limit < TOTAL:
            body["paging"] = {"next": {"after": str(start + limit), "link": "ignored"}}
        return respond(request, json=body)

    spec = CursorPagination(
        cursor_path="paging.next.after", cursor_param="after", size_param="limit", page_size=100
    )
    send, transport = sender(vendor)
    pages = await collect(paginate(send, first_request(), spec, records_path="results"))
    assert ids(pages) == EXPECTED
    assert "after" not in query(transport.requests[0])


async def test_cursor_slack_style_empty_string_ends_and_empty_pages_with_a_cursor_continue() -> (
    None
):
    """Slack style: `next_cursor` "" ends it; an empty page that has a cursor does not."""
    chunks = [RECORDS[0:100], [], RECORDS[100:200], RECORDS[200:]]

    def vendor(request: Request) -> Response:
        index = int(query(request).get("cursor", "0"))
        next_cursor = str(index + 1) if index + 1 < len(chunks) else ""
        return respond(
            request,
            json={
                "ok": True,
                "members": chunks[index],
                "response_metadata": {"next_cursor": next_cursor},
            },
        )

    spec = CursorPagination(cursor_path="response_metadata.next_cursor")
    send, transport = sender(vendor)
    pages = await collect(paginate(send, first_request(), spec, records_path="members"))
    assert ids(pages) == EXPECTED
    assert len(transport.requests) == 4


async def test_cursor_from_the_last_record_stripe_style() -> None:
    """Stripe style: `starting_after=<last id>` and `has_more`."""
    position = {record["id"]: i for i, record in enumerate(RECORDS)}

    def vendor(request: Request) -> Response:
        q = query(request)
        start = position[q["starting_after"]] + 1 if "starting_after" in q else 0
        limit = int(q["limit"])
        chunk = RECORDS[start : start + limit]
        return respond(
            request, json={"object": "list", "data": chunk, "has_more": start + limit < TOTAL}
        )

    spec = CursorPagination(
        record_cursor_path="id",
        cursor_param="starting_after",
        has_more_path="has_more",
        size_param="limit",
        page_size=100,
    )
    send, _ = sender(vendor)
    pages = await collect(paginate(send, first_request(), spec, records_path="data"))
    assert ids(pages) == EXPECTED


async def test_cursor_from_a_response_header() -> None:
    """A cursor in `X-Next-Cursor`; its absence ends the stream."""

    def vendor(request: Request) -> Response:
        start = int(query(request).get("cursor", "0"))
        headers = {"X-Next-Cursor": str(start + 100)} if start + 100 < TOTAL else {}
        return respond(request, json=RECORDS[start : start + 100], headers=headers)

    send, _ = sender(vendor)
    pages = await collect(
        paginate(
            send, first_request(), HeaderCursorPagination(header="x-next-cursor"), records_path="$"
        )
    )
    assert ids(pages) == EXPECTED


def github_vendor(request: Request) -> Response:
    """GitHub style: a root list and a `Link` header with next/last (and first/prev)."""
    q = query(request)
    page, per_page = int(q.get("page", "1")), int(q["per_page"])
    last = math.ceil(TOTAL / per_page)
    links = []
    if page < last:
        links.append(f'<{BASE}?per_page={per_page}&page={page + 1}>; rel="next"')
        links.append(f'<{BASE}?per_page={per_page}&page={last}>; rel="last"; title="a, b; c"')
    if page > 1:
        links.append(f'<{BASE}?per_page={per_page}&page=1>; rel="first prev"')
    headers = {"Link": ", ".join(links)} if links else {}
    return respond(request, json=RECORDS[(page - 1) * per_page : page * per_page], headers=headers)


async def test_link_header_follows_rel_next_github_style() -> None:
    """RFC 8288 Link: rel="next" among several links, quoted params holding `,` and `;`."""
    spec = LinkHeaderPagination(size_param="per_page", page_size=100)
    send, transport = sender(github_vendor)
    pages = await collect(paginate(send, Request.build("GET", BASE), spec, records_path="$"))
    assert ids(pages) == EXPECTED
    assert [query(r).get("page") for r in transport.requests] == [None, "2", "3"]


async def test_next_url_salesforce_relative_path_and_done_flag() -> None:
    """Salesforce style: a bare-path `nextRecordsUrl` resolves on the request URL; `done` ends."""
    base = "https://acme.my.salesforce.test/services/data/v58.0/query"

    def vendor(request: Request) -> Response:
        path = urlpath(request)
        start = int(path.rsplit("-", 1)[1]) if "-" in path else 0
        chunk = RECORDS[start : start + 100]
        done = start + 100 >= TOTAL
        body = {"totalSize": TOTAL, "done": done, "records": chunk}
        if not done:
            body["nextRecordsUrl"] = f"/services/data/v58.0/query/01gD0000002HU6K-{start + 100}"
        return respond(request, json=body)

    spec = NextUrlPagination(next_url_path="nextRecordsUrl", done_path="done")
    request = Request.build("GET", base, params={"q": "SELECT Id FROM Contact"})
    send, transport = sender(vendor)
    pages = await collect(paginate(send, request, spec, records_path="records"))
    assert ids(pages) == EXPECTED
    assert transport.requests[1].full_url == f"{base}/01gD0000002HU6K-100"


def urlpath(request: Request) -> str:
    from urllib.parse import urlsplit

    return urlsplit(request.full_url).path


async def test_next_url_zendesk_links_next_with_has_more() -> None:
    """Zendesk cursor style: absolute `links.next` and `meta.has_more`."""

    def vendor(request: Request) -> Response:
        start = int(query(request).get("page[after]", "0"))
        more = start + 100 < TOTAL
        next_link = f"{BASE}?page%5Bsize%5D=100&page%5Bafter%5D={start + 100}" if more else None
        return respond(
            request,
            json={
                "users": RECORDS[start : start + 100],
                "meta": {"has_more": more},
                "links": {"next": next_link},
            },
        )

    spec = NextUrlPagination(
        next_url_path="links.next",
        has_more_path="meta.has_more",
        size_param="page[size]",
        page_size=100,
    )
    send, _ = sender(vendor)
    pages = await collect(paginate(send, first_request(), spec, records_path="users"))
    assert ids(pages) == EXPECTED


async def test_time_window_zendesk_incremental_end_time_and_end_of_stream() -> None:
    """Zendesk incremental: `start_time` watermark, next window at `end_time`, `end_of_stream`."""

    def vendor(request: Request) -> Response:
        since = int(query(request)["start_time"])
        window = [r for r in RECORDS if r["updated_at"] > since][:100]
        end_time = window[-1]["updated_at"] if window else since
        return respond(
            request,
            json={"tickets": window, "end_time": end_time, "end_of_stream": len(window) < 100},
        )

    spec = TimeWindowPagination(
        since_param="start_time",
        initial=0,
        next_since_path="end_time",
        end_of_stream_path="end_of_stream",
    )
    send, transport = sender(vendor)
    pages = await collect(
        paginate(send, first_request(), spec, records_path="tickets", id_field="id")
    )
    assert ids(pages) == EXPECTED
    assert query(transport.requests[0])["start_time"] == "0"
    assert len(transport.requests) == 3


async def test_time_window_from_max_modified_at_drops_the_inclusive_overlap() -> None:
    """Inclusive `updated_since` windows restart at the newest record; repeats dropped by id."""
    from datetime import UTC, datetime

    iso = [
        {
            "id": r["id"],
            "updated_at": datetime.fromtimestamp(r["updated_at"], UTC)
            .isoformat()
            .replace("+00:00", "Z"),
        }
        for r in RECORDS
    ]

    def vendor(request: Request) -> Response:
        since = query(request).get("updated_since")
        window = [r for r in iso if since is None or r["updated_at"] >= since][:100]
        return respond(request, json={"data": window})

    # A checkpoint already on the request is the first window's start.
    request = first_request().with_params({"updated_since": iso[50]["updated_at"]})
    spec = TimeWindowPagination(
        since_param="updated_since",
        record_time_path="updated_at",
        page_size=100,
        size_param="limit",
    )
    send, transport = sender(vendor)
    pages = await collect(paginate(send, request, spec, records_path="data", id_field="id"))
    assert ids(pages) == EXPECTED[50:]
    # The last window holds only the boundary record: nothing new, so it stops.
    assert [len(p.records) for p in pages][-1] == 0
    assert len(transport.requests) == 4


async def test_single_page_sends_one_request() -> None:
    """SinglePage: one request, whatever the body says."""

    def vendor(request: Request) -> Response:
        return respond(request, json={"items": RECORDS[:10], "has_more": True})

    send, transport = sender(vendor)
    pages = await collect(paginate(send, first_request(), SinglePage(), records_path="items"))
    assert ids(pages) == EXPECTED[:10]
    assert len(transport.requests) == 1


async def test_two_concurrent_iterations_of_one_declaration_share_no_state() -> None:
    """One declaration, two interleaved iterations (different filters): each sees its own pages."""
    spec = OffsetPagination(limit=30)

    async def vendor(request: Request) -> Response:
        await asyncio.sleep(0)  # let the other iteration run between pages
        q = query(request)
        offset, limit = int(q["offset"]), int(q["limit"])
        subset = RECORDS[:100] if q["list"] == "a" else RECORDS[100:]
        return respond(request, json={"items": subset[offset : offset + limit]})

    send, _ = sender(vendor)

    async def read(name: str) -> list[str]:
        request = Request.build("GET", BASE, params={"list": name})
        return ids(
            await collect(paginate(send, request, spec, records_path="items", id_field="id"))
        )

    a, b = await asyncio.gather(read("a"), read("b"))
    assert a == EXPECTED[:100]
    assert b == EXPECTED[100:]
