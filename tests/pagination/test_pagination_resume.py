"""Resuming a listing from a checkpointed `next_request`: exactly the remaining records."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
from pgkit import BASE, TOTAL, collect, dataset, ids, query, sender

from interlink import Pipeline
from interlink.auth import APIKeyAuth, BearerAuth
from interlink.errors import ConfigError
from interlink.http import MockTransport, Request, Response, respond
from interlink.pagination import (
    CursorPagination,
    HeaderCursorPagination,
    LinkHeaderPagination,
    NextUrlPagination,
    OffsetPagination,
    PageNumberPagination,
    PaginatorSpec,
    SinglePage,
    TimeWindowPagination,
    paginate,
)

RECORDS = dataset()
Vendor = Callable[[Request], Response]


def offset_vendor(request: Request) -> Response:
    q = query(request)
    offset, limit = int(q["offset"]), int(q["limit"])
    return respond(request, json={"items": RECORDS[offset : offset + limit]})


def page_vendor(request: Request) -> Response:
    q = query(request)
    page, size = int(q["page"]), int(q["per_page"])
    return respond(
        request,
        json={
            "items": RECORDS[(page - 1) * size : page * size],
            "meta": {"total_pages": math.ceil(TOTAL / size)},
        },
    )


def cursor_vendor(request: Request) -> Response:
    source = orjson.loads(request.content) if request.content else query(request)
    start, limit = int(source.get("after", 0)), int(source["limit"])
    body: dict[str, Any] = {"items": RECORDS[start : start + limit]}
    if start + limit < TOTAL:
        body["paging"] = {"next": {"after": str(start + limit)}}
    return respond(request, json=body)


def stripe_vendor(request: Request) -> Response:
    q = query(request)
    position = {r["id"]: i for i, r in enumerate(RECORDS)}
    start = position[q["starting_after"]] + 1 if "starting_after" in q else 0
    chunk = RECORDS[start : start + int(q["limit"])]
    return respond(request, json={"items": chunk, "has_more": start + len(chunk) < TOTAL})


def header_vendor(request: Request) -> Response:
    start = int(query(request).get("cursor", "0"))
    headers = {"X-Next-Cursor": str(start + 60)} if start + 60 < TOTAL else {}
    return respond(request, json={"items": RECORDS[start : start + 60]}, headers=headers)


def link_vendor(request: Request) -> Response:
    q = query(request)
    page, size = int(q.get("page", "1")), int(q["per_page"])
    headers = {}
    if page * size < TOTAL:
        headers["Link"] = f'<{BASE}?per_page={size}&page={page + 1}>; rel="next"'
    return respond(
        request, json={"items": RECORDS[(page - 1) * size : page * size]}, headers=headers
    )


def next_url_vendor(request: Request) -> Response:
    path = urlsplit(request.full_url).path
    start = int(path.rsplit("-", 1)[1]) if "-" in path else 0
    done = start + 70 >= TOTAL
    body: dict[str, Any] = {"done": done, "items": RECORDS[start : start + 70]}
    if not done:
        body["next"] = f"/v1/contacts/cursor-{start + 70}"
    return respond(request, json=body)


def window_vendor(request: Request) -> Response:
    since = int(query(request)["start_time"])
    window = [r for r in RECORDS if r["updated_at"] > since][:80]
    end_time = window[-1]["updated_at"] if window else since
    return respond(
        request, json={"items": window, "end_time": end_time, "end_of_stream": len(window) < 80}
    )


GET = Request.build("GET", BASE)
POST = Request.build("POST", BASE, json={"filters": []})

CASES: dict[str, tuple[PaginatorSpec, Vendor, Request]] = {
    "offset": (OffsetPagination(limit=70), offset_vendor, GET),
    "page_number": (
        PageNumberPagination(page_size=60, total_pages_path="meta.total_pages"),
        page_vendor,
        GET,
    ),
    "cursor": (
        CursorPagination(
            cursor_path="paging.next.after", cursor_param="after", size_param="limit", page_size=70
        ),
        cursor_vendor,
        GET,
    ),
    "cursor_in_json": (
        CursorPagination(
            cursor_path="paging.next.after",
            cursor_param="after",
            size_param="limit",
            page_size=70,
            cursor_in="json",
        ),
        cursor_vendor,
        POST,
    ),
    "record_cursor": (
        CursorPagination(
            record_cursor_path="id",
            cursor_param="starting_after",
            has_more_path="has_more",
            size_param="limit",
            page_size=70,
        ),
        stripe_vendor,
        GET,
    ),
    "header_cursor": (HeaderCursorPagination(header="x-next-cursor"), header_vendor, GET),
    "link_header": (
        LinkHeaderPagination(size_param="per_page", page_size=60),
        link_vendor,
        GET,
    ),
    "next_url": (NextUrlPagination(next_url_path="next", done_path="done"), next_url_vendor, GET),
    "time_window": (
        TimeWindowPagination(
            since_param="start_time",
            initial=0,
            next_since_path="end_time",
            end_of_stream_path="end_of_stream",
        ),
        window_vendor,
        GET,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("after", [1, 2])
async def test_resume_after_page_k_yields_exactly_the_rest(name: str, after: int) -> None:
    """Interrupted after page k, resumed from page k's checkpointed next_request: the rest, once."""
    spec, vendor, request = CASES[name]
    send, transport = sender(vendor)
    full = await collect(paginate(send, request, spec, records_path="items", id_field="id"))
    assert ids(full) == [r["id"] for r in RECORDS]
    assert len(full) > after + 1
    checkpoint = full[after - 1].next_request
    assert checkpoint is not None
    stored = orjson.loads(orjson.dumps(checkpoint.to_json()))  # as the store keeps it

    send, transport = sender(vendor)
    rest = await collect(
        paginate(
            send,
            request,
            spec,
            records_path="items",
            id_field="id",
            resume_from=Request.from_json(stored),
        )
    )
    assert ids(rest) == ids(full[after:])
    assert len(transport.requests) == len(full) - after
    assert rest[-1].next_request is None


def test_single_page_resumes_its_one_request() -> None:
    """SinglePage resumes by sending the checkpointed request itself."""
    assert SinglePage().paginator().resume(GET) is GET


@pytest.mark.parametrize(
    ("spec", "param"),
    [
        (OffsetPagination(limit=10), "offset"),
        (PageNumberPagination(page_size=10), "page"),
        (TimeWindowPagination(since_param="since", next_since_path="end"), "since"),
    ],
)
def test_resuming_a_request_without_its_position_is_a_config_error(
    spec: PaginatorSpec, param: str
) -> None:
    """A checkpoint without the offset, page or window parameter is refused, naming it."""
    with pytest.raises(ConfigError) as caught:
        spec.paginator().resume(GET)
    assert caught.value.where == "resume_from"
    assert repr(param) in str(caught.value)


async def test_pipeline_paginate_resumes_and_never_checkpoints_credentials() -> None:
    """Through a pipeline with bearer + query-key auth, checkpoints hold no credential."""
    seen_auth: list[str | None] = []

    def vendor(request: Request) -> Response:
        seen_auth.append(request.headers.get("Authorization") or query(request).get("api_key"))
        return cursor_vendor(request)

    spec, _, _ = CASES["cursor"]
    pipeline = Pipeline("vendor", MockTransport(vendor), auth=BearerAuth("bearer-secret"))
    pages = [p async for p in pipeline.paginate(GET, spec, records_path="items")]
    key_pipeline = Pipeline(
        "vendor",
        MockTransport(vendor),
        auth=APIKeyAuth("query-secret", name="api_key", placement="query"),
    )
    checkpoint = Request.from_json(orjson.loads(orjson.dumps(pages[0].next_request.to_json())))  # type: ignore[union-attr]
    rest = [
        p
        async for p in key_pipeline.paginate(
            GET, spec, records_path="items", resume_from=checkpoint
        )
    ]
    assert ids(rest) == ids(pages[1:])
    for page in pages + rest:
        for request in (page.request, page.next_request):
            if request is not None:
                text = orjson.dumps(request.to_json()).decode()
                assert "secret" not in text
                assert "authorization" not in text.lower()
    assert seen_auth == ["Bearer bearer-secret"] * len(pages) + ["query-secret"] * len(rest)


def test_to_json_drops_every_credential_and_round_trips_the_rest() -> None:
    """Known secret headers/params, marked names and URL user-info never reach the JSON."""
    request = Request.build(
        "POST",
        "https://user:pw@api.vendor.test/v1/search?access_token=t0k&q=1",
        headers={
            "Authorization": "Bearer x",
            "X-Api-Key": "k",
            "X-Vendor-Secret": "s",
            "Accept": "application/json",
        },
        params={"api_key": "k2", "after": "abc", "hapikey": "h"},
        json={"after": "abc"},
        endpoint="search",
        sensitive=frozenset({"x-vendor-secret"}),
    )
    data = request.to_json()
    text = orjson.dumps(data).decode()
    for secret in ("Bearer x", "k2", "t0k", "pw", "X-Vendor-Secret", "hapikey", "X-Api-Key"):
        assert secret not in text
    back = Request.from_json(orjson.loads(text))
    assert back.url == "https://api.vendor.test/v1/search?q=1"
    assert back.params == {"after": "abc"}
    assert back.headers == {"Accept": "application/json", "Content-Type": "application/json"}
    assert back.content == request.content
    assert back.endpoint == "search"
    assert back.sensitive == request.sensitive


@pytest.mark.parametrize(
    "data",
    [None, {"v": 1}, {"v": 1, "method": "GET", "url": "/relative"}, {"v": 2, "method": "GET"}],
)
def test_from_json_refuses_what_is_not_a_serialized_request(data: Any) -> None:
    """Anything but a serialized request is a ConfigError, not a half-built request."""
    with pytest.raises(ConfigError):
        Request.from_json(data)


async def test_prefetch_sends_the_next_page_while_the_caller_handles_this_one() -> None:
    """With prefetch, page N+1 is requested before page N is handed over; same pages."""
    spec, vendor, request = CASES["cursor"]
    send, transport = sender(vendor)
    sent_when_yielded = []
    pages = []
    async for page in paginate(send, request, spec, records_path="items", prefetch=True):
        await asyncio.sleep(0)  # the caller's own awaits let the prefetch run
        sent_when_yielded.append(len(transport.requests))
        pages.append(page)
    send, _ = sender(vendor)
    plain = await collect(paginate(send, request, spec, records_path="items"))
    assert ids(pages) == ids(plain)
    assert sent_when_yielded == [2, 3, 4, 4]  # one ahead, never past the last page


async def test_prefetch_reports_a_failing_next_page_after_this_one_and_stops_cleanly() -> None:
    """Page 2's failure surfaces only after page 1 was handled; breaking early cancels."""
    spec, vendor, request = CASES["cursor"]

    def failing(req: Request) -> Response:
        if query(req).get("after") == "70":
            raise ConfigError("vendor", "page 2 is broken")
        return vendor(req)

    send, _ = sender(failing)
    handled: list[int] = []

    async def walk() -> None:
        async for page in paginate(send, request, spec, records_path="items", prefetch=True):
            handled.append(page.number)

    with pytest.raises(ConfigError, match="page 2 is broken"):
        await walk()
    assert handled == [1]

    send, transport = sender(vendor)
    pages = paginate(send, request, spec, records_path="items", prefetch=True)
    async for _ in pages:
        break
    await pages.aclose()  # type: ignore[attr-defined]
    assert len(transport.requests) <= 2
