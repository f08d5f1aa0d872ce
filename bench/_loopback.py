"""A loopback JSON server for benchmarks, run in its own process.

It serves HubSpot-style 100-record pages from pre-serialised bytes, so its own
cost per request is small and stable, and the benchmark measures the client.
`?after=N` is the cursor; `paging.next.after` points to the next page until
`total` records have been served.
"""

from __future__ import annotations

import multiprocessing
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import orjson

PAGE_SIZE = 100


def make_record(i: int) -> dict[str, object]:
    return {
        "id": str(i),
        "properties": {
            "firstname": f"First{i}",
            "lastname": f"Last{i}",
            "email": f"person{i}@example.com",
            "phone": f"+1-555-{i % 10000:04d}",
            "company": f"Company {i % 97}",
            "lifecyclestage": "lead",
            "createdate": "2024-01-01T00:00:00.000Z",
            "lastmodifieddate": "2024-06-01T12:00:00.000Z",
        },
        "createdAt": "2024-01-01T00:00:00.000Z",
        "updatedAt": "2024-06-01T12:00:00.000Z",
        "archived": False,
    }


def _serve(port: int, total: int, ready: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    from aiohttp import web

    records = [make_record(i) for i in range(PAGE_SIZE)]
    pages: dict[int, bytes] = {}

    def page(after: int) -> bytes:
        cached = pages.get(after)
        if cached is None:
            nxt = after + PAGE_SIZE
            body: dict[str, object] = {"results": records}
            if nxt < total:
                body["paging"] = {"next": {"after": str(nxt)}}
            cached = pages[after] = orjson.dumps(body)
        return cached

    async def handler(request: web.Request) -> web.Response:
        after = int(request.query.get("after", "0"))
        return web.Response(body=page(after), content_type="application/json")

    app = web.Application()
    app.router.add_get("/crm/v3/objects/contacts", handler)
    ready.set()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def loopback_server(total: int = 10**9) -> Iterator[str]:
    """Run the page server in a subprocess; yield its base URL."""
    port = free_port()
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_serve, args=(port, total, ready), daemon=True)
    proc.start()
    ready.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.join(5)
