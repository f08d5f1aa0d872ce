"""Tenant tokens, the hosted page and the credentials form (Stripe, checked with one call)."""

from __future__ import annotations

import re

import httpx2
import pytest
from tests.server.connect.conftest import World

from interlink.server.connect import BadTokenError, TenantTokens


def _csrf(page: httpx2.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found[1]


async def _form(world: World, token: str) -> str:
    page = await world.browser.get("/connect/stripe", params={"tenant_token": token})
    assert page.status_code == 200
    assert 'name="api_key"' in page.text
    assert 'type="password"' in page.text
    return _csrf(page)


async def test_a_wrong_key_shows_the_form_again_with_stripes_reason(world: World) -> None:
    """A key Stripe refuses: the form again, Stripe's words, nothing stored, key not echoed."""
    token = await world.tenant_token()
    csrf = await _form(world, token)
    answer = await world.browser.post(
        "/connect/stripe",
        data={"tenant_token": token, "csrf": csrf, "api_key": "sk_test_wrong_key_123"},
    )
    assert answer.status_code == 422
    assert 'id="error"' in answer.text
    assert "HTTP 401" in answer.text
    assert "Invalid API Key" in answer.text
    assert "sk_test_wrong_key_123" not in answer.text
    assert await world.store.list_connections() == []
    assert await world.store.list_credentials() == []


async def test_a_working_key_creates_the_connection_sealed(world: World) -> None:
    """The right key passes the test call; the connection and its sealed key are stored."""
    token = await world.tenant_token()
    csrf = await _form(world, token)
    key = world.stripe.default_key.value
    answer = await world.browser.post(
        "/connect/stripe", data={"tenant_token": token, "csrf": csrf, "api_key": key}
    )
    assert answer.status_code == 200, answer.text
    (row,) = await world.store.list_connections(tenant_id=world.tenant.id)
    assert (row.provider, row.auth_method) == ("stripe", "default")
    assert world.vault.get(row.id) == {"api_key": key}
    sealed = await world.store.get_credential(row.id)
    assert sealed is not None
    assert key.encode() not in sealed.blob
    actions = {e.action for e in await world.store.list_audit(tenant_id=world.tenant.id)}
    assert {"connect.token", "connection.create", "credentials.write"} <= actions


async def test_a_form_without_its_csrf_token_is_400(world: World) -> None:
    """A post whose CSRF token is not the one the browser's form got is refused."""
    token = await world.tenant_token()
    await _form(world, token)
    key = world.stripe.default_key.value
    answer = await world.browser.post(
        "/connect/stripe", data={"tenant_token": token, "csrf": "guess", "api_key": key}
    )
    assert answer.status_code == 400
    assert "CSRF" in answer.text
    world.browser.cookies.clear()
    answer = await world.browser.post(
        "/connect/stripe", data={"tenant_token": token, "csrf": "guess", "api_key": key}
    )
    assert answer.status_code == 400
    assert await world.store.list_connections() == []


async def test_an_empty_field_is_named(world: World) -> None:
    """A missing credential is named on the form; no vendor call is made."""
    token = await world.tenant_token()
    csrf = await _form(world, token)
    calls = len(world.transport.seen)
    answer = await world.browser.post(
        "/connect/stripe", data={"tenant_token": token, "csrf": csrf, "api_key": ""}
    )
    assert answer.status_code == 422
    assert "Api key is required" in answer.text
    assert len(world.transport.seen) == calls


async def test_expired_and_forged_tenant_tokens_get_a_401_page(world: World) -> None:
    """A tenant token past its expiry, or altered, opens nothing."""
    token = await world.tenant_token(ttl_seconds=60)
    assert (await world.browser.get("/connect", params={"tenant_token": token})).status_code == 200
    world.clock.advance(61)
    expired = await world.browser.get("/connect", params={"tenant_token": token})
    assert expired.status_code == 401
    assert "expired" in expired.text
    fresh = await world.tenant_token()
    body, _, signature = fresh.partition(".")
    forged = await world.browser.get(
        "/connect/stripe", params={"tenant_token": body + "." + signature[::-1]}
    )
    assert forged.status_code == 401
    assert (await world.browser.get("/connect")).status_code == 401


async def test_a_token_is_bound_to_its_tenant_and_secret() -> None:
    """Another secret cannot verify a token; the payload names the tenant it was minted for."""
    ours, theirs = TenantTokens(b"a" * 32), TenantTokens(b"b" * 32)
    token, grant = ours.mint("ten_1", expires_at=100.0, providers=("stripe",))
    assert ours.verify(token, now=50.0) == grant
    assert grant.allows("stripe")
    assert not grant.allows("salesforce")
    for bad, now in ((token, 100.0), ("x.y", 0.0), ("", 0.0)):
        with pytest.raises(BadTokenError):
            ours.verify(bad, now=now)
    with pytest.raises(BadTokenError, match="forged"):
        theirs.verify(token, now=50.0)


async def test_minting_needs_an_api_key_and_checks_its_input(world: World) -> None:
    """`POST /v1/connect/tokens`: 401 without a key; a bad return URL or provider is 422."""
    anonymous = await world.browser.post("/v1/connect/tokens", json={})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    bad = await world.api.post("/v1/connect/tokens", json={"return_url": "javascript:alert(1)"})
    assert bad.status_code == 422
    assert "return_url" in bad.json()["detail"]
    unknown = await world.api.post("/v1/connect/tokens", json={"providers": ["nope"]})
    assert unknown.status_code == 422


async def test_providers_outside_the_token_are_not_offered(world: World) -> None:
    """A token limited to Stripe lists only Stripe and refuses Salesforce's page."""
    token = await world.tenant_token(providers=["stripe"])
    hosted = await world.browser.get("/connect", params={"tenant_token": token})
    assert 'data-provider="stripe"' in hosted.text
    assert 'data-provider="salesforce"' not in hosted.text
    refused = await world.browser.get("/connect/salesforce", params={"tenant_token": token})
    assert refused.status_code == 404


async def test_pages_are_not_cached_framed_or_scripted(world: World) -> None:
    """The pages carry no-store, a no-script CSP, no framing and no referrer."""
    hosted = await world.browser.get(
        "/connect", params={"tenant_token": await world.tenant_token()}
    )
    assert hosted.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in hosted.headers["content-security-policy"]
    assert hosted.headers["x-frame-options"] == "DENY"
    assert hosted.headers["referrer-policy"] == "no-referrer"
