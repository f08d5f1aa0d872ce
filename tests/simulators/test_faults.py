"""Fault injection: each fault kind, set through the Python API (the admin API is in test_admin)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import httpx2
import pytest

from interlink._clock import FakeClock
from interlink.simulators import PROFILES, FaultConfig, SchemaDrift
from interlink.simulators.hubspot import HubSpotSimulator

CONTACTS = "/crm/v3/objects/contacts"


async def test_error_rate_per_status(client: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """error_rates {503: 1.0} answers 503 in HubSpot's error shape, counted by route and status."""
    hubspot.faults.configure(FaultConfig(error_rates={503: 1.0}))
    response = await client.get(CONTACTS)
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert hubspot.counters.count("GET /crm/v3/objects/{object_type}", 503) == 1
    assert hubspot.counters.faults["error_503"] == 1


async def test_error_rates_mix_follows_the_seed(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """A 50% error rate fails about half the requests; the same seed replays the same sequence."""

    async def statuses() -> list[int]:
        hubspot.faults.configure(FaultConfig(error_rates={500: 0.5}, seed=3))
        hubspot.rate_limits = False
        return [(await client.get(CONTACTS, params={"limit": 1})).status_code for _ in range(60)]

    first = await statuses()
    assert 15 < first.count(500) < 45
    assert set(first) == {200, 500}
    assert await statuses() == first


async def test_injected_429_has_hubspots_body(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """An injected 429 looks like HubSpot's real rate-limit answer."""
    hubspot.faults.configure(FaultConfig(error_rates={429: 1.0}))
    response = await client.get(CONTACTS)
    assert response.status_code == 429
    assert response.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert hubspot.counters.rate_limited == 1


async def test_latency_uses_the_injected_clock(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator, clock: FakeClock
) -> None:
    """latency sleeps on the simulator's clock before answering."""
    hubspot.faults.configure(FaultConfig(latency=0.25))
    assert (await client.get(CONTACTS)).status_code == 200
    assert clock.sleeps == [0.25]


async def test_timeout_never_answers(client: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """timeout_rate 1.0: no response ever comes; the client has to give up."""
    hubspot.faults.configure(FaultConfig(timeout_rate=1.0))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.get(CONTACTS), timeout=0.2)
    assert hubspot.counters.faults["timeout"] == 1


async def test_reset_in_process_raises_connection_reset(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """In process there is no socket: a reset surfaces as ConnectionResetError."""
    hubspot.faults.configure(FaultConfig(reset_rate=1.0))
    with pytest.raises(ConnectionResetError):
        await client.get(CONTACTS)


async def test_reset_drops_a_real_connection(hubspot: HubSpotSimulator, serving: Any) -> None:
    """Under uvicorn a reset closes the TCP connection with no response at all."""
    hubspot.faults.configure(FaultConfig(reset_rate=1.0))
    headers = {"Authorization": f"Bearer {hubspot.default_token.value}"}
    async with serving(hubspot.app) as base_url, aiohttp.ClientSession() as session:
        with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
            async with session.get(base_url + CONTACTS, headers=headers) as response:
                await response.read()
        hubspot.faults.configure("none")
        async with session.get(base_url + CONTACTS, headers=headers) as response:
            assert response.status == 200  # the server itself is fine
    # aiohttp may retry once on a fresh connection; every attempt was dropped unanswered.
    assert hubspot.counters.count(status=0) == hubspot.counters.faults["reset"] >= 1


async def test_200_with_an_error_body(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """error_body_rate answers HTTP 200 whose body is HubSpot's error shape."""
    hubspot.faults.configure(FaultConfig(error_body_rate=1.0))
    response = await client.get(CONTACTS)
    assert response.status_code == 200
    assert response.json()["status"] == "error"
    assert "results" not in response.json()


async def test_truncated_json(client: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """truncate_rate cuts a successful JSON body in half (with a matching Content-Length)."""
    hubspot.faults.configure(FaultConfig(truncate_rate=1.0))
    response = await client.get(CONTACTS)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(ValueError, match=r"."):
        response.json()


async def test_schema_drift(client: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """drift renames, retypes and adds properties in every record of a response."""
    drift = SchemaDrift(
        rename={"email": "email_address"}, retype=("hs_object_id",), add={"new_prop": "x"}
    )
    hubspot.faults.configure(FaultConfig(drift=drift))
    props = (await client.get(CONTACTS, params={"limit": 2})).json()["results"][1]["properties"]
    assert "email" not in props
    assert "@" in props["email_address"]
    assert props["hs_object_id"] == 1002
    assert props["new_prop"] == "x"


async def test_token_revocation(client: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """revoke_rate revokes the request's own token before it is checked: 401 from then on."""
    hubspot.faults.configure(FaultConfig(revoke_rate=1.0))
    assert (await client.get(CONTACTS)).status_code == 401
    hubspot.faults.configure("none")
    response = await client.get(CONTACTS)
    assert response.status_code == 401
    assert "revoked" in response.json()["message"]


async def test_stricter_limits(client: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """limit_scale 0.1 makes the 10-second limit 10 requests, reported as such in the headers."""
    hubspot.faults.configure(FaultConfig(limit_scale=0.1))
    statuses = [(await client.get(CONTACTS)) for _ in range(11)]
    assert [r.status_code for r in statuses] == [200] * 10 + [429]
    assert statuses[0].headers["x-hubspot-ratelimit-max"] == "10"


def test_chaos_profile_turns_on_a_mix() -> None:
    """The chaos profile enables errors, latency, resets, truncation and webhook faults at once."""
    chaos = PROFILES["chaos"]
    assert chaos.error_rates
    assert chaos.latency > 0
    assert chaos.reset_rate > 0
    assert chaos.truncate_rate > 0
    assert chaos.webhook_duplicate_rate > 0
    assert chaos.webhook_drop_rate > 0
    assert chaos.webhook_reorder


def test_bad_fault_config_names_the_setting() -> None:
    """Invalid fault settings raise FaultConfigError naming the setting."""
    from interlink.simulators import FaultConfigError

    with pytest.raises(FaultConfigError, match="timeout_rate"):
        FaultConfig.from_json({"timeout_rate": 2})
    with pytest.raises(FaultConfigError, match="unknown fault setting"):
        FaultConfig.from_json({"explode": True})
    with pytest.raises(FaultConfigError, match="unknown fault profile"):
        FaultConfig.from_json({"profile": "apocalypse"})
