"""The token answer's extra fields (instance_url, team, ...) are kept, persisted, never shown."""

from __future__ import annotations

import structlog
from authkit import FIRST_REFRESH_TOKEN, FakeVendor, api_request, client, drive

from interlink._clock import FakeClock
from interlink.auth import InMemoryTokenStore, RefreshTokenAuth, TokenSet

EXTRAS = {
    "instance_url": "https://acme.my.salesforce.com",
    "id": "https://login.salesforce.com/id/00D/005",
    "authed_user": {"id": "U1", "access_token": "xoxp-SECRET-user"},
}


def _with_extras(vendor: FakeVendor, extras: dict[str, object]) -> None:
    """The vendor's next token answer carries `extras` beside the standard fields."""
    original = vendor._issue

    def issue(*, refresh: bool) -> dict[str, object]:
        return {**original(refresh=refresh), **extras}

    vendor._issue = issue  # type: ignore[method-assign]


async def test_extra_fields_of_the_answer_are_kept_beside_the_tokens(clock: FakeClock) -> None:
    """Every field RFC 6749 does not define lands in TokenSet.extras, nested ones whole."""
    vendor = FakeVendor(clock)
    _with_extras(vendor, EXTRAS)
    auth = RefreshTokenAuth(client(), TokenSet.from_refresh_token(FIRST_REFRESH_TOKEN), clock=clock)
    await drive(auth, vendor.transport, api_request())
    assert auth.tokens is not None
    assert auth.tokens.extras == EXTRAS


async def test_a_refresh_answer_without_an_extra_keeps_the_earlier_one(clock: FakeClock) -> None:
    """What a later refresh answer leaves out is kept; what it says wins."""
    vendor = FakeVendor(clock, expires_in=100)
    _with_extras(vendor, {"instance_url": "https://one.example", "team": "T1"})
    auth = RefreshTokenAuth(client(), TokenSet.from_refresh_token(FIRST_REFRESH_TOKEN), clock=clock)
    await drive(auth, vendor.transport, api_request())
    vendor._issue = FakeVendor(clock, expires_in=100)._issue  # type: ignore[method-assign]
    _with_extras(vendor, {"instance_url": "https://two.example"})
    clock.advance(100)
    await drive(auth, vendor.transport, api_request())
    assert auth.tokens is not None
    assert auth.tokens.extras == {"instance_url": "https://two.example", "team": "T1"}


def test_extras_survive_the_token_store_round_trip() -> None:
    """to_dict/from_dict (what token stores and the rotation callback persist) keep extras;
    a set stored before extras existed reads back with none."""
    tokens = TokenSet("at-SECRET", expires_at=10.0, obtained_at=1.0, extras=EXTRAS)
    assert TokenSet.from_dict(tokens.to_dict()) == tokens
    legacy = tokens.to_dict()
    del legacy["extras"]
    assert TokenSet.from_dict(legacy).extras == {}


async def test_shared_stores_hand_extras_to_other_workers(clock: FakeClock) -> None:
    """A second auth object adopting the stored set sees the same extras."""
    vendor = FakeVendor(clock)
    _with_extras(vendor, EXTRAS)
    store = InMemoryTokenStore()
    first = RefreshTokenAuth(
        client(),
        TokenSet.from_refresh_token(FIRST_REFRESH_TOKEN),
        store=store,
        key="g",
        clock=clock,
    )
    second = RefreshTokenAuth(
        client(),
        TokenSet.from_refresh_token(FIRST_REFRESH_TOKEN),
        store=store,
        key="g",
        clock=clock,
    )
    await drive(first, vendor.transport, api_request())
    await drive(second, vendor.transport, api_request())
    assert len(vendor.token_requests) == 1
    assert second.tokens is not None
    assert second.tokens.extras == EXTRAS


async def test_extras_never_appear_in_reprs_or_logs(clock: FakeClock) -> None:
    """A nested user token in the extras is in no repr and no log line."""
    vendor = FakeVendor(clock)
    _with_extras(vendor, EXTRAS)
    auth = RefreshTokenAuth(client(), TokenSet.from_refresh_token(FIRST_REFRESH_TOKEN), clock=clock)
    with structlog.testing.capture_logs() as logs:
        await drive(auth, vendor.transport, api_request())
    assert auth.tokens is not None
    assert "SECRET" not in repr(auth.tokens)
    assert "acme.my.salesforce.com" not in repr(auth.tokens)
    assert "SECRET" not in repr(logs)
