"""The built-in HubSpot connector against the HubSpot simulator, in-process through ASGI."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from hubkit import open_hubspot

import interlink
from interlink import ConfigError, ConflictError, FakeClock, NotFoundError
from interlink.models import Contact
from interlink.simulators.hubspot import HubSpotSimulator


async def test_list_reads_every_contact_once_as_unified_models(
    connection: interlink.Connection,
) -> None:
    """All 250 contacts arrive once each, as crm.contact with remote_data and custom fields."""
    contacts = [c async for c in connection.list("contacts")]
    assert len(contacts) == 250
    assert len({c.remote_id for c in contacts}) == 250
    first = contacts[0]
    assert isinstance(first, Contact)
    assert first.provider == "hubspot"
    assert first.connection_id == "conn-1"
    assert first.first_name == first.remote_data["properties"]["firstname"]
    assert first.email_addresses[0].email_address == first.remote_data["properties"]["email"]
    assert first.modified_at is not None
    assert first.modified_at.tzinfo is UTC
    assert (
        first.custom_fields["hs_lead_status"] == first.remote_data["properties"]["hs_lead_status"]
    )
    assert "firstname" not in first.custom_fields


async def test_a_model_name_selects_its_resource(connection: interlink.Connection) -> None:
    """list("crm.contact") is the same listing as list("contacts")."""
    by_model = [c.remote_id async for c in connection.list("crm.contact")]
    assert len(by_model) == 250


async def test_incremental_listing_returns_only_records_changed_after_the_watermark(
    connection: interlink.Connection, hubspot: HubSpotSimulator, clock: FakeClock
) -> None:
    """modified_after uses HubSpot's search (POST, cursor in the body): only the three updated."""
    ids = [c.remote_id async for c in connection.list("contacts")][:3]
    clock.advance(3600)
    watermark = datetime.fromtimestamp(clock.time(), UTC)
    clock.advance(1)
    for remote_id in ids:
        await connection.update("contacts", remote_id, {"first_name": "Changed"})
    changed = [c async for c in connection.list("contacts", modified_after=watermark)]
    assert sorted(c.remote_id for c in changed) == sorted(ids)
    assert all(c.first_name == "Changed" for c in changed)
    assert hubspot.counters.count(route="POST /crm/v3/objects/{object_type}/search") >= 1


async def test_incremental_listing_pages_through_the_search_body_cursor(
    connection: interlink.Connection, clock: FakeClock
) -> None:
    """A watermark before everything walks all 250 records by search pages of 100."""
    since = datetime(2000, 1, 1, tzinfo=UTC)
    found = [c.remote_id async for c in connection.list("contacts", modified_after=since)]
    assert len(found) == 250
    assert len(set(found)) == 250


async def test_get_create_update_delete_round_trip(connection: interlink.Connection) -> None:
    """A created contact can be read, changed and deleted, each mapped both ways."""
    created = await connection.create(
        "contacts",
        {"first_name": "Ada", "last_name": "Lovelace",
         "email_addresses": [{"email_address": "ada@example.test"}]},
    )  # fmt: skip
    assert isinstance(created, Contact)
    assert created.first_name == "Ada"
    assert created.email_addresses[0].email_address == "ada@example.test"
    fetched = await connection.get("contacts", created.remote_id)
    assert fetched.id == created.id  # the same uuid5: connection, model, remote id
    updated = await connection.update("contacts", created.remote_id, {"last_name": "King"})
    assert (updated.first_name, updated.last_name) == ("Ada", "King")
    await connection.delete("contacts", created.remote_id)
    with pytest.raises(NotFoundError):
        await connection.get("contacts", created.remote_id)
    archived = [c async for c in connection.list("contacts", deleted=True)]
    assert [c.remote_id for c in archived] == [created.remote_id]
    assert archived[0].remote_was_deleted


async def test_vendor_errors_arrive_as_the_error_tree(connection: interlink.Connection) -> None:
    """404 is NotFoundError; a second contact with one email is HubSpot's 409, ConflictError."""
    with pytest.raises(NotFoundError) as missing:
        await connection.get("contacts", "999999999")
    assert missing.value.provider == "hubspot"
    email = [{"email_address": "twice@example.test"}]
    await connection.create("contacts", {"email_addresses": email})
    with pytest.raises(ConflictError) as conflict:
        await connection.create("contacts", {"email_addresses": email})
    assert conflict.value.upstream_status == 409


async def test_a_remote_id_cannot_escape_its_path_segment(
    connection: interlink.Connection, hubspot: HubSpotSimulator
) -> None:
    """An id like '../contacts' is percent-encoded into one segment, never a different route."""
    with pytest.raises(NotFoundError):
        await connection.get("contacts", "../search")


async def test_declared_limits_mean_no_429_across_more_than_100_requests_in_10s(
    hubspot: HubSpotSimulator, clock: FakeClock
) -> None:
    """150 concurrent reads against 100 per 10 s: the limiter waits, HubSpot never says 429."""
    async with open_hubspot(hubspot, clock) as conn:
        ids = [c.remote_id async for c in conn.list("contacts")]
        started = clock.monotonic()
        results = await asyncio.gather(*(conn.get("contacts", i) for i in ids[:150]))
    assert len(results) == 150
    assert hubspot.counters.rate_limited == 0
    assert conn.pipeline.stats.rate_limited == 0
    assert clock.monotonic() - started >= 10.0  # the 101st request had to wait for the window


async def test_passthrough_reaches_allowed_paths_through_the_pipeline(
    connection: interlink.Connection,
) -> None:
    """An allowed raw path is sent with the connection's auth and answered by HubSpot."""
    response = await connection.request("GET", "/crm/v3/objects/companies", params={"limit": 2})
    assert response.status == 200
    assert len(response.json()["results"]) == 2
    assert connection.pipeline.stats.requests == 1


@pytest.mark.parametrize(
    "path",
    ["/oauth/v1/access-tokens/x", "/crm/v3/../../oauth/v1/token", "crm/v3/objects",
     "/crm/v3/objects?archived=true", "https://evil.test/crm/v3/x"],
)  # fmt: skip
async def test_passthrough_refuses_paths_outside_the_allow_list(
    connection: interlink.Connection, hubspot: HubSpotSimulator, path: str
) -> None:
    """A path outside passthrough.allow (or not a clean path) is refused before any request."""
    with pytest.raises(ConfigError, match=r"passthrough\.path"):
        await connection.request("GET", path)
    assert hubspot.counters.total_requests == 0


async def test_unknown_resource_names_what_exists(connection: interlink.Connection) -> None:
    """Asking for a resource the spec lacks is a ConfigError listing resources and models."""
    with pytest.raises(ConfigError, match=r"known: contacts, crm\.contact"):
        [c async for c in connection.list("deals")]
