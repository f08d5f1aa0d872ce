"""OAuth2 refresh tokens: renewal, rotation persisted before use, invalid_grant."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

import pytest
from authkit import FIRST_REFRESH_TOKEN, FakeVendor, api_request, client, drive

from interlink._clock import FakeClock
from interlink.auth import InMemoryTokenStore, LocalLock, RefreshTokenAuth, TokenSet
from interlink.errors import AuthError, ReauthorizationRequired


class Persisted:
    """An `on_tokens_rotated` callback that records into the vendor's event log."""

    def __init__(self, vendor: FakeVendor, *, failures: int = 0) -> None:
        self.vendor = vendor
        self.failures = failures
        self.saved: list[TokenSet] = []

    async def __call__(self, tokens: TokenSet) -> None:
        if self.failures:
            self.failures -= 1
            self.vendor.events.append("persist-failed")
            raise OSError("database unavailable")
        self.saved.append(tokens)
        self.vendor.events.append(f"persisted:{tokens.refresh_token}")


def auth_for(
    clock: FakeClock, vendor: FakeVendor, tokens: TokenSet | None = None, **kwargs: object
) -> RefreshTokenAuth:
    """Refresh-token auth starting from the vendor's first refresh token."""
    start = tokens or TokenSet.from_refresh_token(FIRST_REFRESH_TOKEN)
    return RefreshTokenAuth(client(), start, clock=clock, **kwargs)  # type: ignore[arg-type]


async def test_first_call_refreshes_with_the_refresh_token(clock: FakeClock) -> None:
    """With no access token yet, the flow sends grant_type=refresh_token first."""
    vendor = FakeVendor(clock)
    auth = auth_for(clock, vendor)
    assert (await drive(auth, vendor.transport, api_request())).status == 200
    (token_request,) = vendor.token_requests
    assert dict(parse_qsl((token_request.content or b"").decode())) == {
        "grant_type": "refresh_token",
        "refresh_token": FIRST_REFRESH_TOKEN,
    }


async def test_a_valid_initial_access_token_is_used_without_refreshing(clock: FakeClock) -> None:
    """Tokens handed over from the authorization-code flow are used until they are due."""
    vendor = FakeVendor(clock)
    vendor.valid_access.add("at-SECRET-initial")
    start = TokenSet(
        access_token="at-SECRET-initial",
        refresh_token=FIRST_REFRESH_TOKEN,
        obtained_at=clock.time(),
        expires_at=clock.time() + 1000,
    )
    auth = auth_for(clock, vendor, start)
    await drive(auth, vendor.transport, api_request())
    assert vendor.token_requests == []
    clock.advance(800)
    await drive(auth, vendor.transport, api_request())
    assert vendor.used_tokens() == ["at-SECRET-initial", "at-SECRET-1"]


async def test_unrotated_refresh_token_is_kept(clock: FakeClock) -> None:
    """A refresh answer without a refresh token keeps the old one and persists nothing."""
    vendor = FakeVendor(clock, expires_in=100)
    persisted = Persisted(vendor)
    auth = auth_for(clock, vendor, on_tokens_rotated=persisted)
    await drive(auth, vendor.transport, api_request())
    clock.advance(100)
    await drive(auth, vendor.transport, api_request())
    assert len(vendor.token_requests) == 2
    assert persisted.saved == []
    assert auth.tokens is not None
    assert auth.tokens.refresh_token == FIRST_REFRESH_TOKEN


async def test_rotated_refresh_token_is_persisted_before_the_new_access_token_is_used(
    clock: FakeClock,
) -> None:
    """The callback receives the new set before any API call carries the new access token."""
    vendor = FakeVendor(clock, expires_in=100, rotate=True)
    persisted = Persisted(vendor)
    auth = auth_for(clock, vendor, on_tokens_rotated=persisted)
    await drive(auth, vendor.transport, api_request())
    clock.advance(100)
    await drive(auth, vendor.transport, api_request())
    assert vendor.events == [
        "token-request",
        "persisted:rt-SECRET-1",
        "api:at-SECRET-1",
        "token-request",
        "persisted:rt-SECRET-2",
        "api:at-SECRET-2",
    ]
    assert [t.access_token for t in persisted.saved] == ["at-SECRET-1", "at-SECRET-2"]
    form = dict(parse_qsl((vendor.token_requests[1].content or b"").decode()))
    assert form["refresh_token"] == "rt-SECRET-1"


async def test_failed_persistence_blocks_the_new_token_and_is_retried(clock: FakeClock) -> None:
    """If the callback fails its error propagates, the new token is unused, and the next
    call retries persisting the same set instead of burning the rotated refresh token."""
    vendor = FakeVendor(clock, rotate=True)
    persisted = Persisted(vendor, failures=1)
    auth = auth_for(clock, vendor, on_tokens_rotated=persisted)
    with pytest.raises(OSError, match="database unavailable"):
        await drive(auth, vendor.transport, api_request())
    assert vendor.api_requests == []
    assert (await drive(auth, vendor.transport, api_request())).status == 200
    assert vendor.events == [
        "token-request",
        "persist-failed",
        "persisted:rt-SECRET-1",
        "api:at-SECRET-1",
    ]
    assert not vendor.grant_dead


async def test_invalid_grant_requires_reauthorization(clock: FakeClock) -> None:
    """A dead refresh token raises ReauthorizationRequired, an AuthError, with no secret."""
    vendor = FakeVendor(clock)
    auth = auth_for(clock, vendor, TokenSet.from_refresh_token("rt-SECRET-revoked"))
    with pytest.raises(ReauthorizationRequired) as caught:
        await drive(auth, vendor.transport, api_request())
    assert isinstance(caught.value, AuthError)
    assert "invalid_grant" in str(caught.value)
    assert caught.value.to_problem()["type"].endswith("reauthorization-required")
    assert "SECRET" not in str(caught.value) + repr(caught.value) + str(caught.value.body)
    assert vendor.api_requests == []


async def test_concurrent_calls_refresh_once(clock: FakeClock) -> None:
    """Fifty calls with an expired token cause one refresh of the refresh token."""
    vendor = FakeVendor(clock, rotate=True)
    vendor.gate = asyncio.Event()
    auth = auth_for(clock, vendor, on_tokens_rotated=Persisted(vendor))
    calls = [asyncio.create_task(drive(auth, vendor.transport, api_request())) for _ in range(50)]
    for _ in range(10):
        await asyncio.sleep(0)
    vendor.gate.set()
    responses = await asyncio.gather(*calls)
    assert [r.status for r in responses] == [200] * 50
    assert len(vendor.token_requests) == 1
    assert not vendor.grant_dead


async def test_proactive_refresh_at_80_percent(clock: FakeClock) -> None:
    """The refresh-token flow renews once 80% of the lifetime has passed, once."""
    vendor = FakeVendor(clock, expires_in=3600, rotate=True)
    auth = auth_for(clock, vendor, on_tokens_rotated=Persisted(vendor))
    await drive(auth, vendor.transport, api_request())
    clock.advance(3600 * 0.8 - 1)
    await drive(auth, vendor.transport, api_request())
    assert len(vendor.token_requests) == 1
    clock.advance(1)
    await asyncio.gather(*(drive(auth, vendor.transport, api_request()) for _ in range(10)))
    assert len(vendor.token_requests) == 2


async def test_401_refreshes_once_and_retries_once(clock: FakeClock) -> None:
    """A rejected access token triggers one refresh and one retry; a second 401 is returned."""
    vendor = FakeVendor(clock, rotate=True)
    auth = auth_for(clock, vendor, on_tokens_rotated=Persisted(vendor))
    await drive(auth, vendor.transport, api_request())
    vendor.api_faults = [401, 401]
    response = await drive(auth, vendor.transport, api_request())
    assert response.status == 401
    assert vendor.used_tokens() == ["at-SECRET-1", "at-SECRET-1", "at-SECRET-2"]
    assert len(vendor.token_requests) == 2


async def test_two_workers_sharing_store_and_lock_refresh_once(clock: FakeClock) -> None:
    """Two auth objects for one grant, sharing a store and lock, never reuse a rotated token."""
    vendor = FakeVendor(clock, rotate=True)
    store, lock = InMemoryTokenStore(), LocalLock(clock=clock)
    workers = [auth_for(clock, vendor, store=store, lock=lock, key="conn-1") for _ in range(2)]
    vendor.gate = asyncio.Event()
    calls = [
        asyncio.create_task(drive(auth, vendor.transport, api_request())) for auth in workers * 10
    ]
    for _ in range(10):
        await asyncio.sleep(0)
    vendor.gate.set()
    assert [r.status for r in await asyncio.gather(*calls)] == [200] * 20
    assert len(vendor.token_requests) == 1
    assert not vendor.grant_dead


async def test_worker_started_with_an_old_refresh_token_uses_the_stored_one(
    clock: FakeClock,
) -> None:
    """A worker built from stale credentials adopts the newer set from the shared store."""
    vendor = FakeVendor(clock, rotate=True, expires_in=100)
    store = InMemoryTokenStore()
    first = auth_for(clock, vendor, store=store, key="conn-1")
    await drive(first, vendor.transport, api_request())
    clock.advance(100)
    await drive(first, vendor.transport, api_request())  # rotated twice: rt-0 is long dead
    late = auth_for(clock, vendor, store=store, key="conn-1")
    assert (await drive(late, vendor.transport, api_request())).status == 200
    assert len(vendor.token_requests) == 2
    assert not vendor.grant_dead
