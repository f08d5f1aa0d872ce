"""Connection.pages: a listing page by page, mapped, resumable from each page's checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from tests.connectors._simkit import open_builtin, running
from tests.connectors.test_connection import PEOPLE, Vendor, open_acme

from interlink import FakeClock
from interlink.errors import MappingError
from interlink.http import Request


async def test_pages_map_every_record_and_resume_from_a_checkpoint(clock: FakeClock) -> None:
    """HubSpot's 250 contacts in pages of 100; resuming after page 1 yields exactly the rest."""
    async with running("hubspot", clock, records=250) as sim:
        token = {"access_token": sim.default_token.value}  # type: ignore[attr-defined]
        async with open_builtin(sim, clock, credentials=token) as conn:
            pages = [page async for page in conn.pages("contacts")]
            assert [len(p.records) for p in pages] == [100, 100, 50]
            assert [p.received for p in pages] == [100, 100, 50]
            assert [p.number for p in pages] == [1, 2, 3]
            assert pages[-1].next_request is None
            assert all(p.resumable and not p.errors for p in pages)
            checkpoint = orjson.dumps(pages[0].next_request.to_json())  # type: ignore[union-attr]
            before = sim.counters.total_requests  # type: ignore[attr-defined]
            rest = [
                p
                async for p in conn.pages(
                    "contacts", resume_from=Request.from_json(orjson.loads(checkpoint))
                )
            ]
            sent = sim.counters.total_requests - before  # type: ignore[attr-defined]
    remote = [r.remote_id for p in pages for r in p.records]
    assert len(set(remote)) == 250
    assert [r.remote_id for p in rest for r in p.records] == remote[100:]
    assert sent == 2


async def test_list_is_pages_flattened_and_mapping_errors_land_in_the_page(
    clock: FakeClock,
) -> None:
    """A record the mapping refuses is in its page's errors (and on_error); the rest are kept."""
    people = [*PEOPLE[:2], {"id": "bad", "first": {"nested": 1}}, *PEOPLE[2:]]
    reported: list[MappingError] = []
    async with open_acme(Vendor(people), clock) as acme:
        pages = [p async for p in acme.pages("contacts", on_error=reported.append)]
        listed = [c.remote_id async for c in acme.list("contacts", on_error=lambda e: None)]
    assert [[r.remote_id for r in p.records] for p in pages] == [["0", "1"], ["2"], ["3", "4"]]
    assert [p.received for p in pages] == [2, 2, 2]
    assert [[e.remote_id for e in p.errors] for p in pages] == [[], ["bad"], []]
    assert [e.remote_id for e in reported] == ["bad"]
    assert listed == ["0", "1", "2", "3", "4"]


async def test_a_records_hook_with_listing_state_makes_pages_not_resumable(
    clock: FakeClock,
) -> None:
    """Stripe's events hook remembers objects across pages: its pages say resume is unsafe."""
    async with running("stripe", clock, records=30) as sim:
        key: dict[str, Any] = {"api_key": sim.default_key.value}  # type: ignore[attr-defined]
        async with open_builtin(sim, clock, credentials=key) as conn:
            listed = [p async for p in conn.pages("customers")]
            since = datetime.fromtimestamp(clock.time() - 86_400, UTC)
            events = [p async for p in conn.pages("customers", modified_after=since)]
    assert all(p.resumable for p in listed)
    assert events
    assert not any(p.resumable for p in events)
