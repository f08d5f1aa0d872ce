"""HubSpot search: incremental filters, sorting, the 10,000-result cap."""

from __future__ import annotations

from typing import Any

import httpx2

from interlink._clock import FakeClock
from interlink.simulators.hubspot import HubSpotSimulator

SEARCH = "/crm/v3/objects/contacts/search"


def since(ms: int, after: str | None = None, limit: int = 100, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "filterGroups": [
            {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(ms)}]}
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "limit": limit,
        **extra,
    }
    if after is not None:
        body["after"] = after
    return body


async def search_all(
    client: httpx2.AsyncClient, clock: FakeClock, body: dict[str, Any]
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    while True:
        clock.advance(1)  # stay under the 5-per-second search limit
        response = await client.post(SEARCH, json=body)
        assert response.status_code == 200, response.text
        page = response.json()
        results.extend(page["results"])
        if "paging" not in page:
            return results
        body = {**body, "after": page["paging"]["next"]["after"]}


async def test_incremental_search_returns_exactly_the_records_modified_since(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator, clock: FakeClock
) -> None:
    """A lastmodifieddate GTE search returns exactly the records modified at or after t."""
    contacts = hubspot.collections["contacts"]
    cutoff = contacts.dataset.modified_at(2_000)
    clock.advance(5)
    await client.patch("/crm/v3/objects/contacts/1100", json={"properties": {"city": "Oslo"}})
    await client.delete("/crm/v3/objects/contacts/2900")  # index 1,899: before the cutoff anyway
    await client.delete("/crm/v3/objects/contacts/3300")  # index 2,299: after the cutoff
    results = await search_all(client, clock, since(int(cutoff * 1000)))
    expected = {str(1_001 + i) for i in range(2_000, 2_500)} - {"3300"} | {"1100"}
    ids = [r["id"] for r in results]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    times = [r["properties"]["lastmodifieddate"] for r in results]
    assert times == sorted(times)
    assert ids[-1] == "1100"


async def test_search_total_and_descending(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """Search reports total; DESCENDING returns the most recently modified first."""
    cutoff = hubspot.collections["contacts"].dataset.modified_at(2_490)
    body = since(
        int(cutoff * 1000), sorts=[{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}]
    )
    page = (await client.post(SEARCH, json=body)).json()
    assert page["total"] == 10
    assert [r["id"] for r in page["results"]] == [str(1_001 + i) for i in range(2_499, 2_489, -1)]


async def test_search_caps_at_ten_thousand(new_hubspot: Any, clock: FakeClock) -> None:
    """Paging a search to offset 10,000 is a 400, as HubSpot caps every query at 10,000 results."""
    sim: HubSpotSimulator = new_hubspot(records=20_000)
    transport = httpx2.ASGITransport(app=sim.app)
    headers = {"Authorization": f"Bearer {sim.default_token.value}"}
    async with httpx2.AsyncClient(
        transport=transport, base_url="https://api.hubapi.com", headers=headers
    ) as c:
        last = (await c.post(SEARCH, json=since(0, after="9900", limit=200))).json()
        assert last["total"] == 20_000
        assert len(last["results"]) == 100
        assert last["paging"]["next"]["after"] == "10000"
        beyond = await c.post(SEARCH, json=since(0, after="10000"))
        assert beyond.status_code == 400
        assert beyond.json()["category"] == "VALIDATION_ERROR"
    await sim.aclose()


async def test_hs_object_id_filter_moves_past_the_cap(client: httpx2.AsyncClient) -> None:
    """hs_object_id GT with an id sort pages by id (the usual way around the 10,000 cap)."""
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": "3400"}]}
        ],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "limit": 200,
    }
    page = (await client.post(SEARCH, json=body)).json()
    assert page["total"] == 100
    assert page["results"][0]["id"] == "3401"


async def test_unsupported_filter_is_400_naming_it(client: httpx2.AsyncClient) -> None:
    """A filter the simulator cannot answer lazily is refused with a 400 naming the property."""
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "Ada"}]}
        ]
    }
    response = await client.post(SEARCH, json=body)
    assert response.status_code == 400
    assert "firstname" in response.json()["message"]


async def test_search_has_its_own_five_per_second_limit(client: httpx2.AsyncClient) -> None:
    """The sixth search in one second is a 429 SECONDLY; search answers carry no limit headers."""
    statuses = [(await client.post(SEARCH, json=since(0))) for _ in range(6)]
    assert [r.status_code for r in statuses] == [200] * 5 + [429]
    assert statuses[-1].json()["policyName"] == "SECONDLY"
    assert "x-hubspot-ratelimit-max" not in statuses[0].headers
