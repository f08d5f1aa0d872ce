"""OAuth2 client credentials: token requests, caching, single flight, proactive refresh, 401s."""

from __future__ import annotations

import asyncio
import base64
from urllib.parse import parse_qsl

import pytest
from authkit import CLIENT_ID, CLIENT_SECRET, TOKEN_URL, FakeVendor, api_request, client, drive

from interlink._clock import FakeClock
from interlink.auth import ClientCredentialsAuth, InMemoryTokenStore, LocalLock
from interlink.errors import AuthError, ConnectError, ServerError
from interlink.http import Request, respond


def form(request: Request) -> dict[str, str]:
    """The decoded form body of a token request."""
    return dict(parse_qsl((request.content or b"").decode()))


def auth_for(clock: FakeClock, **kwargs: object) -> ClientCredentialsAuth:
    """Client-credentials auth for the fake vendor's registered client."""
    overrides = kwargs.pop("client", {})
    assert isinstance(overrides, dict)
    return ClientCredentialsAuth(client(**overrides), clock=clock, **kwargs)  # type: ignore[arg-type]


async def test_client_secret_basic_token_request(clock: FakeClock) -> None:
    """client_secret_basic sends the client in a Basic header and the grant as a form."""
    vendor = FakeVendor(clock)
    auth = auth_for(
        clock,
        client={"scopes": ("crm.read", "crm.write"), "extra_params": {"audience": "https://api"}},
    )
    response = await drive(auth, vendor.transport, api_request())
    assert response.status == 200
    (token_request,) = vendor.token_requests
    assert token_request.purpose == "auth"
    assert token_request.method == "POST"
    assert token_request.url == TOKEN_URL
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    basic = base64.b64decode(token_request.headers["Authorization"].removeprefix("Basic "))
    assert basic.decode() == f"{CLIENT_ID}:{CLIENT_SECRET}"
    assert form(token_request) == {
        "grant_type": "client_credentials",
        "scope": "crm.read crm.write",
        "audience": "https://api",
    }
    assert vendor.used_tokens() == ["at-SECRET-1"]


async def test_client_secret_post_token_request(clock: FakeClock) -> None:
    """client_secret_post sends the client id and secret in the form, with no Basic header."""
    vendor = FakeVendor(clock)
    auth = auth_for(clock, client={"client_auth": "client_secret_post"})
    await drive(auth, vendor.transport, api_request())
    (token_request,) = vendor.token_requests
    assert "Authorization" not in token_request.headers
    assert form(token_request) == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


async def test_token_is_cached_for_its_lifetime(clock: FakeClock) -> None:
    """Sequential calls within the token's lifetime reuse the one token."""
    vendor = FakeVendor(clock)
    auth = auth_for(clock)
    for _ in range(5):
        await drive(auth, vendor.transport, api_request())
        clock.advance(100)
    assert len(vendor.token_requests) == 1
    assert vendor.used_tokens() == ["at-SECRET-1"] * 5


async def test_concurrent_requests_share_one_token_request(clock: FakeClock) -> None:
    """Fifty concurrent calls needing a token cause exactly one token request."""
    vendor = FakeVendor(clock)
    vendor.gate = asyncio.Event()
    auth = auth_for(clock)
    calls = [asyncio.create_task(drive(auth, vendor.transport, api_request())) for _ in range(50)]
    for _ in range(10):
        await asyncio.sleep(0)
    vendor.gate.set()
    responses = await asyncio.gather(*calls)
    assert [r.status for r in responses] == [200] * 50
    assert len(vendor.token_requests) == 1
    assert set(vendor.used_tokens()) == {"at-SECRET-1"}


async def test_proactive_refresh_at_80_percent_of_lifetime(clock: FakeClock) -> None:
    """Before 80% of the lifetime the token is reused; from 80% it is renewed exactly once."""
    vendor = FakeVendor(clock, expires_in=1000)
    auth = auth_for(clock)
    await drive(auth, vendor.transport, api_request())
    clock.advance(799)
    await drive(auth, vendor.transport, api_request())
    assert len(vendor.token_requests) == 1
    clock.advance(1)
    await drive(auth, vendor.transport, api_request())
    await drive(auth, vendor.transport, api_request())
    assert len(vendor.token_requests) == 2
    assert vendor.used_tokens() == ["at-SECRET-1", "at-SECRET-1", "at-SECRET-2", "at-SECRET-2"]


async def test_refresh_ratio_is_configurable(clock: FakeClock) -> None:
    """refresh_ratio=0.5 renews at half the lifetime."""
    vendor = FakeVendor(clock, expires_in=1000)
    auth = auth_for(clock, refresh_ratio=0.5)
    await drive(auth, vendor.transport, api_request())
    clock.advance(499)
    await drive(auth, vendor.transport, api_request())
    assert len(vendor.token_requests) == 1
    clock.advance(1)
    await drive(auth, vendor.transport, api_request())
    assert len(vendor.token_requests) == 2


async def test_proactive_refresh_does_not_hold_up_other_requests(clock: FakeClock) -> None:
    """While one call renews a still-valid token, concurrent calls keep using the old one."""
    vendor = FakeVendor(clock, expires_in=1000)
    auth = auth_for(clock)
    await drive(auth, vendor.transport, api_request())
    clock.advance(850)
    vendor.gate = asyncio.Event()
    leader = asyncio.create_task(drive(auth, vendor.transport, api_request()))
    for _ in range(5):
        await asyncio.sleep(0)
    others = [asyncio.create_task(drive(auth, vendor.transport, api_request())) for _ in range(5)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert all(task.done() for task in others)  # none waited for the gated token request
    assert [task.result().status for task in others] == [200] * 5
    assert not leader.done()
    vendor.gate.set()
    assert (await leader).status == 200
    assert len(vendor.token_requests) == 2
    assert vendor.used_tokens()[1:] == ["at-SECRET-1"] * 5 + ["at-SECRET-2"]


async def test_expired_token_is_renewed_before_the_call(clock: FakeClock) -> None:
    """A token past its expiry is never sent."""
    vendor = FakeVendor(clock, expires_in=60)
    auth = auth_for(clock)
    await drive(auth, vendor.transport, api_request())
    clock.advance(61)
    await drive(auth, vendor.transport, api_request())
    assert vendor.used_tokens() == ["at-SECRET-1", "at-SECRET-2"]


async def test_token_without_expires_in_is_kept_until_a_401(clock: FakeClock) -> None:
    """A token with no stated lifetime is reused until the API rejects it."""
    vendor = FakeVendor(clock, expires_in=None)
    auth = auth_for(clock)
    await drive(auth, vendor.transport, api_request())
    clock.advance(10**7)
    await drive(auth, vendor.transport, api_request())
    assert len(vendor.token_requests) == 1
    vendor.revoke_access()
    response = await drive(auth, vendor.transport, api_request())
    assert response.status == 200
    assert len(vendor.token_requests) == 2


async def test_401_forces_one_refresh_and_one_retry(clock: FakeClock) -> None:
    """A 401 renews the token once and retries once with the new token."""
    vendor = FakeVendor(clock)
    auth = auth_for(clock)
    await drive(auth, vendor.transport, api_request())
    vendor.revoke_access()
    response = await drive(auth, vendor.transport, api_request())
    assert response.status == 200
    assert vendor.used_tokens() == ["at-SECRET-1", "at-SECRET-1", "at-SECRET-2"]
    assert len(vendor.token_requests) == 2


async def test_second_401_ends_the_flow_without_looping(clock: FakeClock) -> None:
    """After the retried call's 401 the flow returns that 401: one refresh, two API calls."""
    vendor = FakeVendor(clock)
    vendor.api_faults = [401, 401, 401, 401]
    auth = auth_for(clock)
    response = await drive(auth, vendor.transport, api_request())
    assert response.status == 401
    assert len(vendor.api_requests) == 2
    assert len(vendor.token_requests) == 2


async def test_concurrent_401s_share_one_forced_refresh(clock: FakeClock) -> None:
    """Many calls rejected with the same token cause one refresh between them."""
    vendor = FakeVendor(clock)
    auth = auth_for(clock)
    await drive(auth, vendor.transport, api_request())
    vendor.revoke_access()
    responses = await asyncio.gather(
        *(drive(auth, vendor.transport, api_request()) for _ in range(20))
    )
    assert [r.status for r in responses] == [200] * 20
    assert len(vendor.token_requests) == 2


async def test_late_401_for_an_already_replaced_token_does_not_refresh(clock: FakeClock) -> None:
    """A 401 arriving for a token another call already replaced retries with the new one."""
    vendor = FakeVendor(clock)
    auth = auth_for(clock)
    await drive(auth, vendor.transport, api_request())
    late = auth.auth_flow(api_request())
    stale = await late.__anext__()  # built with at-1, answered only later
    vendor.revoke_access()
    await drive(auth, vendor.transport, api_request())  # 401, refresh to at-2
    retried = await late.asend(await vendor.transport.send(stale))
    assert retried.purpose == "api"
    assert retried.headers["Authorization"] == "Bearer at-SECRET-2"
    await late.aclose()
    assert len(vendor.token_requests) == 2


async def test_invalid_client_is_an_auth_error(clock: FakeClock) -> None:
    """A rejected client secret raises AuthError (not re-authorization) and no API call is made."""
    vendor = FakeVendor(clock)
    auth = auth_for(clock, client={"client_secret": "wrong-SECRET"})
    with pytest.raises(AuthError) as caught:
        await drive(auth, vendor.transport, api_request())
    assert type(caught.value) is AuthError
    assert "invalid_client" in str(caught.value)
    assert caught.value.upstream_status == 401
    assert vendor.api_requests == []


async def test_token_endpoint_outage_is_retryable_and_frees_the_flight(clock: FakeClock) -> None:
    """A 503 from the token endpoint raises ServerError; the next call tries again."""
    vendor = FakeVendor(clock)
    vendor.token_faults = [lambda r: respond(r, 503, content="down")]
    auth = auth_for(clock)
    with pytest.raises(ServerError) as caught:
        await drive(auth, vendor.transport, api_request())
    assert caught.value.retryable
    assert (await drive(auth, vendor.transport, api_request())).status == 200


async def test_waiters_share_the_leaders_token_endpoint_error(clock: FakeClock) -> None:
    """When the one token request fails, every call waiting on it gets that error."""
    vendor = FakeVendor(clock)
    vendor.gate = asyncio.Event()
    vendor.token_faults = [lambda r: respond(r, 500, content="boom")]
    auth = auth_for(clock)
    calls = [asyncio.create_task(drive(auth, vendor.transport, api_request())) for _ in range(5)]
    for _ in range(5):
        await asyncio.sleep(0)
    vendor.gate.set()
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, ServerError) for r in results)
    assert len(vendor.token_requests) == 1


async def test_network_failure_of_token_request_releases_the_lock(clock: FakeClock) -> None:
    """If the transport fails on the token request, waiters are woken and a retry succeeds."""
    vendor = FakeVendor(clock)

    def unreachable(request: Request) -> respond:  # type: ignore[valid-type]
        raise ConnectError("connection refused", request=request)

    vendor.token_faults = [unreachable]
    auth = auth_for(clock)
    with pytest.raises(ConnectError):
        await drive(auth, vendor.transport, api_request())
    assert (await drive(auth, vendor.transport, api_request())).status == 200
    assert len(vendor.token_requests) == 2


async def test_failed_proactive_refresh_keeps_the_valid_token(clock: FakeClock) -> None:
    """A transient failure of a proactive refresh is logged; the call uses the still-valid token."""
    vendor = FakeVendor(clock, expires_in=1000)
    auth = auth_for(clock)
    await drive(auth, vendor.transport, api_request())
    clock.advance(900)
    vendor.token_faults = [lambda r: respond(r, 502, content="bad gateway")]
    assert (await drive(auth, vendor.transport, api_request())).status == 200
    assert (await drive(auth, vendor.transport, api_request())).status == 200
    assert len(vendor.token_requests) == 2  # paused, not hammered on every call
    clock.advance(50)
    await drive(auth, vendor.transport, api_request())
    assert len(vendor.token_requests) == 3
    assert vendor.used_tokens() == ["at-SECRET-1"] * 3 + ["at-SECRET-2"]


async def test_auth_objects_sharing_a_store_request_one_token(clock: FakeClock) -> None:
    """Two auth objects with one store and lock (two workers) share a single token."""
    vendor = FakeVendor(clock)
    store, lock = InMemoryTokenStore(), LocalLock(clock=clock)
    first = auth_for(clock, store=store, lock=lock)
    second = auth_for(clock, store=store, lock=lock)
    vendor.gate = asyncio.Event()
    calls = [
        asyncio.create_task(drive(auth, vendor.transport, api_request()))
        for auth in [first, second] * 10
    ]
    for _ in range(10):
        await asyncio.sleep(0)
    vendor.gate.set()
    await asyncio.gather(*calls)
    assert len(vendor.token_requests) == 1
    assert set(vendor.used_tokens()) == {"at-SECRET-1"}


async def test_different_scopes_do_not_share_a_token(clock: FakeClock) -> None:
    """The default store key separates clients with different scopes."""
    vendor = FakeVendor(clock)
    store = InMemoryTokenStore()
    read = auth_for(clock, store=store, client={"scopes": ("read",)})
    write = auth_for(clock, store=store, client={"scopes": ("write",)})
    await drive(read, vendor.transport, api_request())
    await drive(write, vendor.transport, api_request())
    assert len(vendor.token_requests) == 2


async def test_access_token_header_and_prefix_are_configurable(clock: FakeClock) -> None:
    """A vendor wanting `Authorization: Zoho-oauthtoken <token>` gets exactly that."""
    vendor = FakeVendor(clock)
    auth = auth_for(clock, prefix="Zoho-oauthtoken")
    await drive(auth, vendor.transport, api_request())
    assert vendor.api_requests[0].headers["Authorization"] == "Zoho-oauthtoken at-SECRET-1"
    assert "authorization" in vendor.api_requests[0].sensitive
