"""The /_sim admin API: counters, faults, revocation, reset, webhook URL."""

from __future__ import annotations

import httpx2

from interlink.simulators.hubspot import HubSpotSimulator

CONTACTS = "/crm/v3/objects/contacts"


async def test_counters_endpoint(client: httpx2.AsyncClient) -> None:
    """GET /_sim/counters reports requests by route and status; admin calls are not counted."""
    await client.get(CONTACTS)
    await client.get(f"{CONTACTS}/1")
    counters = (await client.get("/_sim/counters")).json()
    assert {"route": "GET /crm/v3/objects/{object_type}", "status": 200, "count": 1} in counters[
        "requests"
    ]
    assert {
        "route": "GET /crm/v3/objects/{object_type}/{object_id}",
        "status": 404,
        "count": 1,
    } in counters["requests"]
    assert counters["total_requests"] == 2
    assert counters["rate_limited"] == 0


async def test_put_and_post_faults(client: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """PUT replaces the fault config (profiles allowed), POST changes only the given settings."""
    put = await client.put("/_sim/faults", json={"profile": "flaky", "latency": 0.5})
    assert put.status_code == 200
    assert put.json()["latency"] == 0.5
    assert hubspot.faults.config.error_rates[503] == 0.1
    await client.post("/_sim/faults", json={"truncate_rate": 0.5})
    assert hubspot.faults.config.truncate_rate == 0.5
    assert hubspot.faults.config.latency == 0.5
    await client.put("/_sim/faults", json={})
    assert not hubspot.faults.active


async def test_bad_fault_config_is_400_naming_it(client: httpx2.AsyncClient) -> None:
    """A bad fault setting is a 400 in HubSpot's error shape naming the setting; nothing changes."""
    response = await client.put("/_sim/faults", json={"reset_rate": "often"})
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert "reset_rate" in response.json()["message"]
    broken = await client.put(
        "/_sim/faults", content=b"[1,", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert "Invalid input JSON" in broken.json()["message"]
    assert (await client.get("/_sim/faults")).json()["reset_rate"] == 0.0


async def test_revoke_endpoint(client: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """POST /_sim/revoke revokes a token: its next call is 401."""
    await client.post("/_sim/revoke", json={"token": hubspot.default_token.value})
    assert (await client.get(CONTACTS)).status_code == 401
    unknown = await client.post("/_sim/revoke", json={"token": "never-issued"})
    assert unknown.status_code == 404


async def test_issue_token_endpoint(client: httpx2.AsyncClient) -> None:
    """POST /_sim/tokens issues a working credential; an unknown kind is a 400 naming it."""
    token = (await client.post("/_sim/tokens", json={"kind": "oauth"})).json()
    assert token["refresh_token"]
    assert token["expires_at"]
    ok = await client.get(CONTACTS, headers={"Authorization": f"Bearer {token['value']}"})
    assert ok.status_code == 200
    bad = await client.post("/_sim/tokens", json={"kind": "magic"})
    assert bad.status_code == 400
    assert "magic" in bad.json()["message"]


async def test_reset(client: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """POST /_sim/reset restores the pristine dataset and zeroes the counters."""
    await client.delete(f"{CONTACTS}/1001")
    assert (await client.post("/_sim/reset")).status_code == 204
    assert (await client.get(f"{CONTACTS}/1001")).status_code == 200
    assert hubspot.counters.total_requests == 1


async def test_webhook_url_endpoint(client: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """PUT /_sim/webhooks sets the delivery URL; a non-URL is a 400."""
    await client.put("/_sim/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    assert hubspot.webhooks.url == "http://127.0.0.1:9/hook"
    assert (await client.put("/_sim/webhooks", json={"url": 5})).status_code == 400
    await client.put("/_sim/webhooks", json={"url": None})
    assert hubspot.webhooks.url is None


async def test_unknown_path_is_404_in_vendor_shape(client: httpx2.AsyncClient) -> None:
    """A path the vendor does not have answers 404 in HubSpot's error shape."""
    response = await client.get("/crm/v4/nothing")
    assert response.status_code == 404
    assert response.json()["status"] == "error"
