"""Cursors sent in the JSON body (HubSpot search: `after` and `limit` in the POST body)."""

from __future__ import annotations

import orjson
import pytest
from pgkit import dataset, sender

from interlink import ConfigError
from interlink.http import Request, Response, respond
from interlink.pagination import CursorPagination, paginate, paginator_from_mapping

RECORDS = dataset()
SEARCH = "https://api.vendor.test/crm/v3/objects/contacts/search"


def search_vendor(seen: list[dict[str, object]]) -> object:
    def vendor(request: Request) -> Response:
        assert request.method == "POST"
        assert request.params == {}
        body = orjson.loads(request.content or b"{}")
        seen.append(body)
        offset, limit = int(body.get("after", "0")), body["limit"]
        end = offset + limit
        paging = {"next": {"after": str(end)}} if end < len(RECORDS) else None
        return respond(request, json={"results": RECORDS[offset:end], "paging": paging})

    return vendor


async def test_cursor_and_page_size_travel_in_the_json_body() -> None:
    """cursor_in=json: every page is a POST whose body keeps its filters and carries after/limit."""
    seen: list[dict[str, object]] = []
    send, _ = sender(search_vendor(seen))  # type: ignore[arg-type]
    spec = CursorPagination(
        cursor_path="paging.next.after",
        cursor_param="after",
        size_param="limit",
        page_size=100,
        cursor_in="json",
    )
    first = Request.build("POST", SEARCH, json={"filterGroups": [], "sorts": ["x"]})
    pages = [page async for page in paginate(send, first, spec, records_path="results")]
    assert [r["id"] for p in pages for r in p.records] == [r["id"] for r in RECORDS]
    assert [b.get("after") for b in seen] == [None, "100", "200"]
    assert all(b["limit"] == 100 and b["filterGroups"] == [] for b in seen)


async def test_cursor_in_json_starts_from_an_empty_body() -> None:
    """A request without a body gets a JSON object body holding only the paging fields."""
    seen: list[dict[str, object]] = []
    send, _ = sender(search_vendor(seen))  # type: ignore[arg-type]
    spec = paginator_from_mapping(
        {
            "type": "cursor",
            "cursor_path": "paging.next.after",
            "cursor_in": "json",
            "cursor_param": "after",
            "size_param": "limit",
            "page_size": 200,
        }
    )
    pages = [p async for p in paginate(send, Request("POST", SEARCH), spec, records_path="results")]
    assert sum(len(p.records) for p in pages) == len(RECORDS)
    assert seen[0] == {"limit": 200}
    assert pages[0].request.headers["Content-Type"] == "application/json"


def test_cursor_in_must_be_query_or_json() -> None:
    """An unknown cursor_in is a ConfigError naming the key and the choices."""
    with pytest.raises(ConfigError, match=r"pagination\.cursor_in: must be one of: query, json"):
        paginator_from_mapping({"type": "cursor", "cursor_path": "next", "cursor_in": "form"})


async def test_cursor_in_json_refuses_a_body_that_is_not_an_object() -> None:
    """A JSON-array body cannot carry a cursor field: a ConfigError, not a silent query param."""
    send, _ = sender(lambda r: respond(r, json={"results": []}))
    spec = CursorPagination(cursor_path="next", cursor_in="json")
    first = Request.build("POST", SEARCH, json=[1, 2])
    with pytest.raises(ConfigError, match="cursor_in"):
        [p async for p in paginate(send, first, spec, records_path="results")]


async def test_query_cursors_are_unchanged_by_default() -> None:
    """Without cursor_in the cursor stays a query parameter and the body is untouched."""
    requests: list[Request] = []

    def vendor(request: Request) -> Response:
        requests.append(request)
        after = int(request.params.get("after", "0"))
        nxt = {"after": str(after + 100)} if after + 100 < len(RECORDS) else None
        return respond(request, json={"results": RECORDS[after : after + 100], "next": nxt})

    send, _ = sender(vendor)
    spec = CursorPagination(cursor_path="next.after", cursor_param="after")
    first = Request.build("GET", SEARCH)
    pages = [p async for p in paginate(send, first, spec, records_path="results")]
    assert len(pages) == 3
    assert all(r.content is None for r in requests)
    assert requests[1].params == {"after": "100"}
