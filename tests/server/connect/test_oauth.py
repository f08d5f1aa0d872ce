"""The OAuth connect flow against the Salesforce simulator's consent screen and token endpoint."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx2
from tests.server.connect.conftest import SERVER, World

from interlink.simulators import TokenState
from interlink.simulators._tokens import s256


async def _leave(world: World, token: str) -> httpx2.Response:
    """The browser opens the connect link for Salesforce and is sent to the vendor."""
    answer = await world.browser.get("/connect/salesforce", params={"tenant_token": token})
    assert answer.status_code == 303, answer.text
    return answer


async def _consent(world: World, authorize: str, decision: str = "allow") -> str:
    """The end user allows (or denies) on the vendor's screen; the URL it sends them back to."""
    screen = await world.vendor.get(authorize)
    assert screen.status_code == 200
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    back = await world.vendor.post(authorize.split("?")[0], data={**params, "decision": decision})
    assert back.status_code == 302
    location: str = back.headers["location"]
    assert location.startswith(f"{SERVER}/connect/salesforce/callback?")
    return location


async def _connections(world: World) -> int:
    return len(await world.store.list_connections(tenant_id=world.tenant.id))


async def test_sign_in_creates_the_connection_with_sealed_tokens(world: World) -> None:
    """Leave with state and an S256 challenge, allow, come back: the connection exists, its
    tokens are sealed in the vault, and they work for a vendor call."""
    token = await world.tenant_token()
    hosted = await world.browser.get("/connect", params={"tenant_token": token})
    assert hosted.status_code == 200
    assert 'data-provider="salesforce"' in hosted.text
    assert 'data-provider="stripe"' in hosted.text
    leave = await _leave(world, token)
    authorize = leave.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith("https://login.salesforce.com/services/oauth2/authorize?")
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [f"{SERVER}/connect/salesforce/callback"]
    assert query["client_id"] == [world.salesforce.client_id]
    back = await _consent(world, authorize)
    done = await world.browser.get(back)
    assert done.status_code == 200, done.text
    assert "is connected" in done.text
    (row,) = await world.store.list_connections(tenant_id=world.tenant.id)
    assert (row.provider, row.auth_method, row.status) == ("salesforce", "oauth", "active")
    credentials = world.vault.get(row.id)
    assert set(credentials) == {"client_id", "client_secret", "refresh_token", "access_token"}
    assert world.salesforce.tokens.check(credentials["access_token"]).state is TokenState.VALID
    sealed = await world.store.get_credential(row.id)
    assert sealed is not None
    assert credentials["refresh_token"].encode() not in sealed.blob
    connection = await world.connections.open(row.id)
    async with connection:
        async for page in connection.pages("contacts", max_pages=1):
            assert page.records
            break
    assert ("login.salesforce.com", "/services/oauth2/token") in world.transport.seen


async def test_a_code_for_another_challenge_is_refused_by_the_vendor(world: World) -> None:
    """PKCE is verified by the simulator: a code issued for flow A's challenge, brought back
    in flow B's browser session, fails at the token endpoint; nothing is stored."""
    token = await world.tenant_token()
    first = (await _leave(world, token)).headers["location"]
    code = parse_qs(urlsplit(await _consent(world, first)).query)["code"][0]
    second = (await _leave(world, token)).headers["location"]  # the cookie is now flow B's
    state_b = parse_qs(urlsplit(second).query)["state"][0]
    assert (
        parse_qs(urlsplit(first).query)["code_challenge"]
        != parse_qs(urlsplit(second).query)["code_challenge"]
    )
    answer = await world.browser.get(
        "/connect/salesforce/callback", params={"code": code, "state": state_b}
    )
    assert answer.status_code == 502
    assert "invalid code verifier" in answer.text
    assert await _connections(world) == 0


async def test_the_verifier_sent_is_the_one_whose_challenge_left(world: World) -> None:
    """The server's token request carries the verifier whose S256 the consent screen got."""
    sent: list[str] = []
    inner = world.transport.routes["login.salesforce.com"]

    class Spy:
        async def send(self, request):  # type: ignore[no-untyped-def]
            if request.url.endswith("/services/oauth2/token"):
                sent.append(parse_qs(request.content.decode())["code_verifier"][0])
            return await inner.send(request)

    world.transport.routes["login.salesforce.com"] = Spy()  # type: ignore[assignment]
    authorize = (await _leave(world, await world.tenant_token())).headers["location"]
    done = await world.browser.get(await _consent(world, authorize))
    assert done.status_code == 200
    assert s256(sent[0]) == parse_qs(urlsplit(authorize).query)["code_challenge"][0]


async def test_a_state_that_does_not_match_the_cookie_is_400(world: World) -> None:
    """CSRF: a callback whose state is not the browser's own is refused; nothing stored."""
    authorize = (await _leave(world, await world.tenant_token())).headers["location"]
    back = await _consent(world, authorize)
    code = parse_qs(urlsplit(back).query)["code"][0]
    forged = await world.browser.get(
        "/connect/salesforce/callback", params={"code": code, "state": "attacker-state"}
    )
    assert forged.status_code == 400
    assert "CSRF" in forged.text
    world.browser.cookies.clear()
    no_cookie = await world.browser.get(back)
    assert no_cookie.status_code == 400
    assert "not started in this browser" in no_cookie.text
    assert await _connections(world) == 0


async def test_a_replayed_callback_is_400_and_creates_nothing_more(world: World) -> None:
    """The state is single use: the same callback with the same cookie again is refused."""
    authorize = (await _leave(world, await world.tenant_token())).headers["location"]
    cookie = world.browser.cookies.get("interlink_connect_flow")
    assert cookie
    back = await _consent(world, authorize)
    assert (await world.browser.get(back)).status_code == 200
    world.browser.cookies.set("interlink_connect_flow", cookie, path="/connect/salesforce")
    replay = await world.browser.get(back)
    assert replay.status_code == 400
    assert "already used" in replay.text
    assert await _connections(world) == 1


async def test_a_flow_older_than_its_ttl_is_refused(world: World) -> None:
    """Coming back after the flow's lifetime (10 minutes) is a 400 page; nothing stored."""
    authorize = (await _leave(world, await world.tenant_token())).headers["location"]
    back = await _consent(world, authorize)
    world.clock.advance(601)
    late = await world.browser.get(back)
    assert late.status_code == 400
    assert "expired" in late.text
    assert await _connections(world) == 0


async def test_denied_consent_stores_nothing(world: World) -> None:
    """The end user pressing Deny gets a page naming the vendor's reason."""
    authorize = (await _leave(world, await world.tenant_token())).headers["location"]
    back = await _consent(world, authorize, "deny")
    answer = await world.browser.get(back)
    assert answer.status_code == 400
    assert "end-user denied authorization" in answer.text
    assert await _connections(world) == 0


async def test_success_returns_to_the_products_url(world: World) -> None:
    """With a return URL in the tenant token, the browser goes back there with the id."""
    token = await world.tenant_token(return_url="https://app.example.com/integrations?x=1")
    authorize = (await _leave(world, token)).headers["location"]
    done = await world.browser.get(await _consent(world, authorize))
    assert done.status_code == 303
    target = urlsplit(done.headers["location"])
    assert (target.netloc, target.path) == ("app.example.com", "/integrations")
    query = parse_qs(target.query)
    (row,) = await world.store.list_connections(tenant_id=world.tenant.id)
    assert query == {
        "x": ["1"], "connection_id": [row.id], "provider": ["salesforce"], "status": ["connected"]
    }  # fmt: skip


async def test_a_provider_needing_a_subdomain_asks_for_it_first(world: World) -> None:
    """Zendesk: the subdomain is asked for (and checked) before leaving; the consent screen
    and the token endpoint are the account's own; the connection keeps the subdomain."""
    token = await world.tenant_token()
    ask = await world.browser.get("/connect/zendesk", params={"tenant_token": token})
    assert ask.status_code == 200
    assert 'name="subdomain"' in ask.text
    bad = await world.browser.get(
        "/connect/zendesk", params={"tenant_token": token, "subdomain": "no/pe"}
    )
    assert bad.status_code == 422
    assert "Subdomain must match" in bad.text
    leave = await world.browser.get(
        "/connect/zendesk", params={"tenant_token": token, "subdomain": "acme"}
    )
    assert leave.status_code == 303
    authorize = leave.headers["location"]
    assert authorize.startswith("https://acme.zendesk.com/oauth/authorizations/new?")
    assert parse_qs(urlsplit(authorize).query)["scope"] == ["read write"]
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=world.zendesk.app)) as zendesk:
        params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
        back = await zendesk.post(authorize.split("?")[0], data={**params, "decision": "allow"})
    done = await world.browser.get(back.headers["location"])
    assert done.status_code == 200, done.text
    (row,) = await world.store.list_connections(tenant_id=world.tenant.id)
    assert (row.provider, row.variables) == ("zendesk", {"subdomain": "acme"})
    assert world.vault.get(row.id)["refresh_token"]
