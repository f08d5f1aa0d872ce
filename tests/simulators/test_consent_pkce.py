"""The simulators' OAuth consent screens and PKCE S256 verification at their token endpoints."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from interlink._clock import FakeClock
from interlink.simulators import create_simulator
from interlink.simulators._tokens import s256
from interlink.simulators.salesforce import SalesforceSimulator
from interlink.simulators.zendesk import ZendeskSimulator

CALLBACK = "http://127.0.0.1:9999/connect/salesforce/callback"
AUTHORIZE = "https://login.salesforce.com/services/oauth2/authorize"
TOKEN = "https://login.salesforce.com/services/oauth2/token"


@pytest.fixture
async def salesforce(clock: FakeClock) -> AsyncIterator[SalesforceSimulator]:
    """A small Salesforce org on a fake clock."""
    sim = create_simulator("salesforce", records=10, clock=clock)
    assert isinstance(sim, SalesforceSimulator)
    async with sim:
        yield sim


@pytest.fixture
async def http(salesforce: SalesforceSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """A browser-like client of the simulator (no redirects followed)."""
    transport = httpx2.ASGITransport(app=salesforce.app)
    async with httpx2.AsyncClient(transport=transport) as client:
        yield client


def _authorize_params(sim: SalesforceSimulator, verifier: str, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": sim.client_id,
        "redirect_uri": CALLBACK,
        "state": "st-1",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        **extra,
    }


async def _consent(http: httpx2.AsyncClient, params: dict[str, str], decision: str) -> Any:
    page = await http.get(AUTHORIZE, params=params)
    assert page.status_code == 200
    assert 'name="decision"' in page.text
    answer = await http.post(AUTHORIZE, data={**params, "decision": decision})
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(CALLBACK + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def _exchange(
    http: httpx2.AsyncClient, sim: SalesforceSimulator, code: str, verifier: str | None
) -> httpx2.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "redirect_uri": CALLBACK,
    }
    if verifier is not None:
        form["code_verifier"] = verifier
    return await http.post(TOKEN, data=form)


async def test_allow_redirects_with_a_code_that_the_verifier_redeems_once(
    http: httpx2.AsyncClient, salesforce: SalesforceSimulator
) -> None:
    """Allow sends the browser back with code and state; the right verifier redeems it, once."""
    verifier = secrets.token_urlsafe(48)
    answer = await _consent(http, _authorize_params(salesforce, verifier), "allow")
    assert answer["state"] == "st-1"
    tokens = await _exchange(http, salesforce, answer["code"], verifier)
    assert tokens.status_code == 200
    assert {"access_token", "refresh_token", "instance_url"} <= set(tokens.json())
    again = await _exchange(http, salesforce, answer["code"], verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("verifier", [None, "x" * 43, "short"])
async def test_a_missing_or_wrong_verifier_is_refused_and_spends_the_code(
    http: httpx2.AsyncClient, salesforce: SalesforceSimulator, verifier: str | None
) -> None:
    """S256 is checked: no verifier, another one or a malformed one is invalid_grant."""
    right = secrets.token_urlsafe(48)
    answer = await _consent(http, _authorize_params(salesforce, right), "allow")
    refused = await _exchange(http, salesforce, answer["code"], verifier)
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_grant",
        "error_description": "invalid code verifier",
    }
    later = await _exchange(http, salesforce, answer["code"], right)
    assert later.status_code == 400  # the failed attempt spent the code


async def test_deny_redirects_with_access_denied(
    http: httpx2.AsyncClient, salesforce: SalesforceSimulator
) -> None:
    """Deny sends the browser back with error=access_denied and the state, and no code."""
    answer = await _consent(http, _authorize_params(salesforce, "v" * 43), "deny")
    assert answer == {
        "error": "access_denied",
        "error_description": "end-user denied authorization",
        "state": "st-1",
    }


async def test_an_untrusted_client_or_redirect_gets_an_error_page_not_a_redirect(
    http: httpx2.AsyncClient, salesforce: SalesforceSimulator
) -> None:
    """Unknown client id or unregistered redirect URI: a 400 page, never a redirect."""
    params = _authorize_params(salesforce, "v" * 43)
    bad_client = await http.get(AUTHORIZE, params={**params, "client_id": "nope"})
    assert bad_client.status_code == 400
    assert "invalid_client_id" in bad_client.text
    salesforce.consent.callback_urls.add("https://app.example.com/callback")
    bad_redirect = await http.get(AUTHORIZE, params=params)
    assert bad_redirect.status_code == 400
    assert "redirect_uri_mismatch" in bad_redirect.text


async def test_a_bad_challenge_method_is_sent_back_as_invalid_request(
    http: httpx2.AsyncClient, salesforce: SalesforceSimulator
) -> None:
    """`plain` (or a malformed challenge) is refused on the redirect, with the state."""
    params = _authorize_params(salesforce, "v" * 43, code_challenge_method="plain")
    answer = await http.get(AUTHORIZE, params=params)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["st-1"]


async def test_another_redirect_uri_at_the_token_endpoint_is_refused(
    http: httpx2.AsyncClient, salesforce: SalesforceSimulator
) -> None:
    """The token request must name the redirect URI the code was issued for."""
    verifier = secrets.token_urlsafe(48)
    answer = await _consent(http, _authorize_params(salesforce, verifier), "allow")
    form = {
        "grant_type": "authorization_code",
        "code": answer["code"],
        "client_id": salesforce.client_id,
        "client_secret": salesforce.client_secret,
        "redirect_uri": "http://127.0.0.1:9999/elsewhere",
        "code_verifier": verifier,
    }
    refused = await http.post(TOKEN, data=form)
    assert refused.status_code == 400
    assert refused.json()["error"] == "redirect_uri_mismatch"


async def test_zendesk_consent_and_pkce(clock: FakeClock) -> None:
    """Zendesk's /oauth/authorizations/new issues a PKCE-bound code; a wrong verifier is
    invalid_grant, the right one returns a rotating refresh token."""
    sim = create_simulator("zendesk", records=5, clock=clock)
    assert isinstance(sim, ZendeskSimulator)
    base = "https://acme.zendesk.com"
    callback = "http://127.0.0.1:9999/cb"
    verifier = secrets.token_urlsafe(40)
    params = {
        "response_type": "code",
        "client_id": sim.oauth.client_id,
        "redirect_uri": callback,
        "scope": "read write",
        "state": "z",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    async with sim, httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sim.app)) as http:
        page = await http.get(base + "/oauth/authorizations/new", params=params)
        assert page.status_code == 200
        assert "read" in page.text
        back = await http.post(
            base + "/oauth/authorizations/new", data={**params, "decision": "allow"}
        )
        code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": sim.oauth.client_id,
            "client_secret": sim.oauth.client_secret,
            "redirect_uri": callback,
            "code_verifier": verifier[:-1] + ("A" if verifier[-1] != "A" else "B"),
        }
        refused = await http.post(base + "/oauth/tokens", data=form)
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
        back = await http.post(
            base + "/oauth/authorizations/new", data={**params, "decision": "allow"}
        )
        form["code"] = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
        form["code_verifier"] = verifier
        issued = await http.post(base + "/oauth/tokens", data=form)
        assert issued.status_code == 200
        assert issued.json()["refresh_token"]
