"""HubSpot writes: create, update, archive, conflicts and bad input."""

from __future__ import annotations

from typing import Any

import httpx2

from interlink._clock import FakeClock
from interlink.simulators.hubspot import HubSpotSimulator

CONTACTS = "/crm/v3/objects/contacts"


async def test_create_returns_201_with_an_id(client: httpx2.AsyncClient) -> None:
    """POST with {"properties": ...} creates a contact: 201, a new id, the properties echoed."""
    response = await client.post(
        CONTACTS, json={"properties": {"email": "new@example.com", "firstname": "Nia"}}
    )
    assert response.status_code == 201
    body = response.json()
    assert int(body["id"]) > 1_000 + 2_500
    assert body["properties"]["email"] == "new@example.com"
    assert body["archived"] is False
    assert (await client.get(f"{CONTACTS}/{body['id']}")).status_code == 200


async def test_duplicate_email_is_409_conflict(client: httpx2.AsyncClient) -> None:
    """A contact whose email exists (generated or created) is 409 CONFLICT naming the id."""
    existing = (await client.get(f"{CONTACTS}/1010")).json()["properties"]["email"]
    response = await client.post(CONTACTS, json={"properties": {"email": existing.upper()}})
    assert response.status_code == 409
    body = response.json()
    assert body["category"] == "CONFLICT"
    assert body["message"].endswith("Existing ID: 1010")
    await client.post(CONTACTS, json={"properties": {"email": "once@example.com"}})
    again = await client.post(CONTACTS, json={"properties": {"email": "once@example.com"}})
    assert again.status_code == 409


async def test_update_advances_lastmodifieddate(
    client: httpx2.AsyncClient, clock: FakeClock
) -> None:
    """PATCH changes the properties and moves lastmodifieddate/updatedAt to now."""
    before = (await client.get(f"{CONTACTS}/1020")).json()
    clock.advance(60)
    response = await client.patch(f"{CONTACTS}/1020", json={"properties": {"firstname": "Renamed"}})
    assert response.status_code == 200
    after = (await client.get(f"{CONTACTS}/1020", params={"properties": "firstname"})).json()
    assert after["properties"]["firstname"] == "Renamed"
    assert after["updatedAt"] > before["updatedAt"]
    assert after["properties"]["lastmodifieddate"] == after["updatedAt"]


async def test_delete_archives_and_archived_true_lists_it(client: httpx2.AsyncClient) -> None:
    """DELETE is 204; then 404, absent from lists, listed by ?archived=true with archivedAt."""
    assert (await client.delete(f"{CONTACTS}/1030")).status_code == 204
    assert (await client.get(f"{CONTACTS}/1030")).status_code == 404
    live = (await client.get(CONTACTS, params={"limit": 100})).json()["results"]
    assert "1030" not in {r["id"] for r in live}
    archived = (await client.get(CONTACTS, params={"archived": "true"})).json()["results"]
    assert [r["id"] for r in archived] == ["1030"]
    assert archived[0]["archived"] is True
    assert archived[0]["archivedAt"]
    one = await client.get(f"{CONTACTS}/1030", params={"archived": "true"})
    assert one.status_code == 200


async def test_walk_after_changes_still_sees_each_live_record_once(
    client: httpx2.AsyncClient, walk: Any
) -> None:
    """After updates, deletes and creates, paging returns every live record exactly once."""
    await client.patch(f"{CONTACTS}/1500", json={"properties": {"city": "Oslo"}})
    await client.delete(f"{CONTACTS}/1600")
    created = (await client.post(CONTACTS, json={"properties": {"email": "z@example.com"}})).json()
    ids = [r["id"] for r in await walk(client, CONTACTS, {"limit": 100})]
    assert len(ids) == len(set(ids)) == 2_500
    assert "1600" not in ids
    assert created["id"] in ids
    assert "1500" in ids


async def test_unknown_property_is_400_naming_it(client: httpx2.AsyncClient) -> None:
    """Writing a property HubSpot does not know is a 400 VALIDATION_ERROR naming the property."""
    response = await client.post(CONTACTS, json={"properties": {"favourite_colour": "red"}})
    assert response.status_code == 400
    assert "favourite_colour" in response.json()["message"]
    assert response.json()["category"] == "VALIDATION_ERROR"


async def test_malformed_json_is_400_in_hubspots_shape(client: httpx2.AsyncClient) -> None:
    """A body that is not JSON is a 400 in HubSpot's error shape saying the JSON is invalid."""
    response = await client.post(
        CONTACTS, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error"
    assert body["message"].startswith("Invalid input JSON")


async def test_creates_are_counted_per_idempotency_key(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """Counters record creates per Idempotency-Key so a test can assert no duplicates."""
    for n, key in enumerate(("k1", "k2", "k2")):
        await client.post(
            CONTACTS,
            json={"properties": {"email": f"i{n}@example.com"}},
            headers={"Idempotency-Key": key},
        )
    assert hubspot.counters.created_by_idempotency_key == {"k1": 1, "k2": 2}
    assert hubspot.counters.duplicate_creates() == {"k2": 2}
