"""HubSpot reads: paging, reading one record, determinism, a lazy million."""

from __future__ import annotations

from typing import Any

import httpx2

from interlink.simulators import create_simulator
from interlink.simulators.hubspot import HubSpotSimulator


async def test_walk_finds_every_record_exactly_once(client: httpx2.AsyncClient, walk: Any) -> None:
    """Following paging.next.after visits all 2,500 contacts once each, in id order."""
    results = await walk(client, "/crm/v3/objects/contacts", {"limit": 100})
    ids = [int(r["id"]) for r in results]
    assert len(ids) == 2_500
    assert ids == sorted(set(ids))


async def test_page_shape_is_hubspots(client: httpx2.AsyncClient) -> None:
    """A page has results with string properties, ISO times, and paging.next.after + link."""
    response = await client.get("/crm/v3/objects/contacts", params={"limit": 2})
    page = response.json()
    record = page["results"][0]
    assert set(record) == {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert set(record["properties"]) == {
        "createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname",
    }  # fmt: skip
    assert all(isinstance(v, str) for v in record["properties"].values())
    assert record["updatedAt"].endswith("Z")
    assert record["properties"]["hs_object_id"] == record["id"]
    after = page["paging"]["next"]["after"]
    assert (
        page["paging"]["next"]["link"]
        == f"https://api.hubapi.com/crm/v3/objects/contacts?limit=2&after={after}"
    )


async def test_default_limit_is_ten_and_max_is_one_hundred(client: httpx2.AsyncClient) -> None:
    """Without limit a page holds 10 records; limit=101 is a 400 VALIDATION_ERROR naming limit."""
    assert len((await client.get("/crm/v3/objects/contacts")).json()["results"]) == 10
    response = await client.get("/crm/v3/objects/contacts", params={"limit": 101})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert "limit" in response.json()["message"]


async def test_properties_parameter_selects_properties(client: httpx2.AsyncClient) -> None:
    """?properties=phone,company returns those plus createdate, lastmodifieddate, hs_object_id."""
    response = await client.get(
        "/crm/v3/objects/contacts", params={"limit": 1, "properties": "phone,company,nope"}
    )
    props = response.json()["results"][0]["properties"]
    assert set(props) == {"phone", "company", "createdate", "lastmodifieddate", "hs_object_id"}
    assert props["phone"].startswith("+")


async def test_companies_and_deals_use_hs_lastmodifieddate(client: httpx2.AsyncClient) -> None:
    """Companies and deals name their modified time hs_lastmodifieddate, as HubSpot does."""
    for kind in ("companies", "deals"):
        props = (await client.get(f"/crm/v3/objects/{kind}", params={"limit": 1})).json()
        assert "hs_lastmodifieddate" in props["results"][0]["properties"]


async def test_read_one_and_not_found(client: httpx2.AsyncClient) -> None:
    """GET one returns the record; an unknown id is a 404 with category OBJECT_NOT_FOUND."""
    one = await client.get("/crm/v3/objects/contacts/1005", params={"properties": "email"})
    assert one.status_code == 200
    assert one.json()["id"] == "1005"
    missing = await client.get("/crm/v3/objects/contacts/99999999")
    assert missing.status_code == 404
    body = missing.json()
    assert body["status"] == "error"
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert body["correlationId"]


async def test_read_by_email_id_property(client: httpx2.AsyncClient) -> None:
    """?idProperty=email reads a contact by its email."""
    email = (await client.get("/crm/v3/objects/contacts/1007")).json()["properties"]["email"]
    response = await client.get(f"/crm/v3/objects/contacts/{email}", params={"idProperty": "email"})
    assert response.json()["id"] == "1007"


async def test_same_seed_same_data_other_seed_other_data() -> None:
    """Two simulators with one seed generate identical records; another seed differs."""

    def record(seed: int) -> dict[str, object]:
        sim = create_simulator("hubspot", records=50, seed=seed)
        rec = sim.collections["contacts"].get(1_020)
        assert rec is not None
        return {**rec.fields, "m": rec.modified_at, "c": rec.created_at}

    assert record(7) == record(7)
    assert record(7) != record(8)


async def test_a_million_records_are_lazy() -> None:
    """A million-record simulator reads record 999,999 and pages near the end, lazily."""
    sim = create_simulator("hubspot", records=1_000_000)
    assert isinstance(sim, HubSpotSimulator)
    headers = {"Authorization": f"Bearer {sim.default_token.value}"}
    transport = httpx2.ASGITransport(app=sim.app)
    async with httpx2.AsyncClient(
        transport=transport, base_url="https://api.hubapi.com", headers=headers
    ) as c:
        last_id = 1_001 + 999_999
        assert (await c.get(f"/crm/v3/objects/contacts/{last_id}")).status_code == 200
        page = (
            await c.get("/crm/v3/objects/contacts", params={"after": last_id - 50, "limit": 100})
        ).json()
        assert len(page["results"]) == 51
        assert "paging" not in page
    await sim.aclose()
