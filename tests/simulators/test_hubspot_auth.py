"""HubSpot credentials and limits: private apps, OAuth, the failure cases, the rate limits."""

from __future__ import annotations

import httpx2
import pytest

from interlink._clock import FakeClock
from interlink.simulators.hubspot import HubSpotSimulator

CONTACTS = "/crm/v3/objects/contacts"


@pytest.fixture
def bare(hubspot: HubSpotSimulator) -> httpx2.AsyncClient:
    """A client with no credentials."""
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=hubspot.app), base_url="https://api.hubapi.com"
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_missing_credentials_is_401_invalid_authentication(bare: httpx2.AsyncClient) -> None:
    """No credentials: 401 INVALID_AUTHENTICATION, "Authentication credentials not found..."."""
    async with bare:
        response = await bare.get(CONTACTS)
    assert response.status_code == 401
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found")
    assert body["correlationId"]


async def test_invalid_token_is_401_invalid_authentication(bare: httpx2.AsyncClient) -> None:
    """A token HubSpot never issued: 401 INVALID_AUTHENTICATION."""
    async with bare:
        response = await bare.get(CONTACTS, headers=bearer("pat-na1-not-a-real-token"))
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


async def test_expired_oauth_token_is_401_expired_authentication(
    bare: httpx2.AsyncClient, hubspot: HubSpotSimulator, clock: FakeClock
) -> None:
    """An OAuth token works 30 minutes, then is 401 EXPIRED_AUTHENTICATION saying how long ago."""
    token = hubspot.issue_token("oauth")
    async with bare:
        clock.advance(1_799)
        assert (await bare.get(CONTACTS, headers=bearer(token.value))).status_code == 200
        clock.advance(301)
        response = await bare.get(CONTACTS, headers=bearer(token.value))
    assert response.status_code == 401
    assert response.json()["category"] == "EXPIRED_AUTHENTICATION"
    assert "expired 5 minute(s) ago" in response.json()["message"]


async def test_revoked_token_is_401(bare: httpx2.AsyncClient, hubspot: HubSpotSimulator) -> None:
    """A revoked token is 401 INVALID_AUTHENTICATION saying it was revoked."""
    token = hubspot.issue_token()
    hubspot.tokens.revoke(token.value)
    async with bare:
        response = await bare.get(CONTACTS, headers=bearer(token.value))
    assert response.status_code == 401
    assert "revoked" in response.json()["message"]


async def test_oauth_code_exchange_and_refresh(
    bare: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """POST /oauth/v1/token exchanges a code, then a refresh token, for 1800-second tokens."""
    client = {"client_id": hubspot.client_id, "client_secret": hubspot.client_secret}
    async with bare:
        code = hubspot.issue_auth_code()
        grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://x/cb"}
        first = await bare.post("/oauth/v1/token", data={**grant, **client})
        assert first.status_code == 200
        tokens = first.json()
        assert tokens["token_type"] == "bearer"
        assert tokens["expires_in"] == 1800
        refreshed = await bare.post(
            "/oauth/v1/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                **client,
            },
        )
        assert refreshed.status_code == 200
        new = refreshed.json()["access_token"]
        assert new != tokens["access_token"]
        assert (await bare.get(CONTACTS, headers=bearer(new))).status_code == 200
        info = await bare.get(f"/oauth/v1/access-tokens/{new}")
        assert info.json()["expires_in"] == 1800
    assert hubspot.counters.token_requests == 2


async def test_bad_refresh_token_is_400_bad_refresh_token(
    bare: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """An unknown refresh token is a 400 BAD_REFRESH_TOKEN; a wrong client id is BAD_CLIENT_ID."""
    async with bare:
        response = await bare.post("/oauth/v1/token", data={
            "grant_type": "refresh_token", "refresh_token": "nope",
            "client_id": hubspot.client_id, "client_secret": hubspot.client_secret,
        })  # fmt: skip
        wrong_client = await bare.post("/oauth/v1/token", data={
            "grant_type": "refresh_token", "refresh_token": "nope",
            "client_id": "x", "client_secret": "y",
        })  # fmt: skip
    assert response.status_code == 400
    assert response.json()["status"] == "BAD_REFRESH_TOKEN"
    assert response.json()["message"] == "missing or unknown refresh token"
    assert wrong_client.json()["status"] == "BAD_CLIENT_ID"


async def test_revoking_an_oauth_token_kills_its_refresh_token(
    bare: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """After revocation (the user disconnected) the refresh token is BAD_REFRESH_TOKEN too."""
    token = hubspot.issue_token("oauth")
    hubspot.tokens.revoke(token.value)
    async with bare:
        response = await bare.post("/oauth/v1/token", data={
            "grant_type": "refresh_token", "refresh_token": token.refresh_token,
            "client_id": hubspot.client_id, "client_secret": hubspot.client_secret,
        })  # fmt: skip
    assert response.json()["status"] == "BAD_REFRESH_TOKEN"


async def test_the_101st_request_in_ten_seconds_is_429(
    client: httpx2.AsyncClient, hubspot: HubSpotSimulator, clock: FakeClock
) -> None:
    """100 requests per rolling 10 s: the 101st gets HubSpot's documented 429 body and headers."""
    responses = []
    for _ in range(101):
        responses.append(await client.get(CONTACTS, params={"limit": 1}))
        clock.advance(0.05)
    remaining = [int(r.headers["x-hubspot-ratelimit-remaining"]) for r in responses[:100]]
    assert remaining == list(range(99, -1, -1))  # counts down
    limited = responses[100]
    assert limited.status_code == 429
    body = limited.json()
    assert body["status"] == "error"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["category"] == "RATE_LIMITS"
    assert limited.headers["x-hubspot-ratelimit-max"] == "100"
    assert limited.headers["x-hubspot-ratelimit-remaining"] == "0"
    assert limited.headers["x-hubspot-ratelimit-interval-milliseconds"] == "10000"
    assert int(limited.headers["x-hubspot-ratelimit-daily-remaining"]) == 250_000 - 100
    assert hubspot.counters.rate_limited == 1
    clock.advance(10)
    assert (await client.get(CONTACTS)).status_code == 200  # the window rolled on


async def test_oauth_requests_carry_no_daily_headers(
    bare: httpx2.AsyncClient, hubspot: HubSpotSimulator
) -> None:
    """OAuth-authorised responses omit X-HubSpot-RateLimit-Daily*, as HubSpot documents."""
    token = hubspot.issue_token("oauth")
    async with bare:
        response = await bare.get(CONTACTS, headers=bearer(token.value))
    assert "x-hubspot-ratelimit-max" in response.headers
    assert "x-hubspot-ratelimit-daily" not in response.headers
