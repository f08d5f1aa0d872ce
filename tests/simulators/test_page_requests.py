"""bench/simulators.py's contract: every registered vendor describes a real 100-record page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import orjson
import pytest

from interlink.simulators import SIMULATORS, create_simulator


def _list_lengths(data: Any, depth: int = 0) -> Iterator[int]:
    """Lengths of the lists in a JSON body, up to three objects deep (results, data.items...)."""
    if isinstance(data, list):
        yield len(data)
    elif isinstance(data, dict) and depth < 3:
        for value in data.values():
            yield from _list_lengths(value, depth + 1)


@pytest.mark.parametrize("name", sorted(SIMULATORS))
async def test_page_request_answers_a_full_page(name: str) -> None:
    """page_request(100) is answered 200 with 100 records, so the benchmark measures real pages."""
    sim = create_simulator(name, records=1_000)
    page = sim.page_request(100)
    transport = httpx2.ASGITransport(app=sim.app)
    async with sim, httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        response = await c.request(
            page.method, page.path, headers=dict(page.headers), content=page.body
        )
    assert response.status_code == 200, response.text[:300]
    assert max(_list_lengths(orjson.loads(response.content)), default=0) == 100
