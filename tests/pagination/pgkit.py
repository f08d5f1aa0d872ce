"""Fake vendors for pagination tests: a dataset and a `send` that decodes JSON once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from interlink.http import MockTransport, Request, Response
from interlink.pagination import Page, Send

BASE = "https://api.vendor.test/v1/contacts"
TOTAL = 250


def dataset(count: int = TOTAL) -> list[dict[str, Any]]:
    """`count` records with ids `c000`.. and strictly increasing epoch `updated_at`."""
    return [{"id": f"c{i:03d}", "updated_at": 1_700_000_000 + i * 10} for i in range(count)]


def query(request: Request) -> dict[str, str]:
    """The query the vendor sees: URL query and params merged."""
    return dict(parse_qsl(urlsplit(request.full_url).query))


def sender(
    handler: Callable[[Request], Response | Awaitable[Response]],
) -> tuple[Send, MockTransport]:
    """A pipeline-like `send` over a MockTransport: returns (response, decoded JSON)."""
    transport = MockTransport(handler)

    async def send(request: Request) -> tuple[Response, Any]:
        response = await transport.send(request)
        return response, response.json()

    return send, transport


async def collect(pages: AsyncIterator[Page]) -> list[Page]:
    return [page async for page in pages]


def ids(pages: list[Page]) -> list[str]:
    return [record["id"] for page in pages for record in page.records]


EXPECTED = [record["id"] for record in dataset()]
