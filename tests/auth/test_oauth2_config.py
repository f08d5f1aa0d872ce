"""OAuth2 declarations are validated at construction, and secrets stay out of reprs and logs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
import structlog
from authkit import FIRST_REFRESH_TOKEN, FakeVendor, api_request, client, drive

from interlink._clock import FakeClock
from interlink.auth import (
    ClientCredentialsAuth,
    InMemoryTokenStore,
    OAuth2Client,
    RefreshTokenAuth,
    TokenSet,
)
from interlink.errors import ConfigError

RT = TokenSet.from_refresh_token(FIRST_REFRESH_TOKEN)


@pytest.mark.parametrize(
    ("build", "where"),
    [
        (lambda: client(token_url=""), "oauth2.token_url"),
        (lambda: client(token_url="/oauth/token"), "oauth2.token_url"),
        (lambda: client(token_url="ftp://id.vendor.test/token"), "oauth2.token_url"),
        (lambda: client(token_url="https://u:p-SECRET@id.vendor.test/t"), "oauth2.token_url"),
        (lambda: client(client_id=""), "oauth2.client_id"),
        (lambda: client(client_secret=None), "oauth2.client_secret"),
        (lambda: client(client_auth="private_key_jwt"), "oauth2.client_auth"),
        (lambda: client(scopes="read write"), "oauth2.scopes"),
        (lambda: client(extra_params={"grant_type": "password"}), "oauth2.extra_params.grant_type"),
        (lambda: client(timeout=0), "oauth2.timeout"),
        (lambda: client(client_secret="cs-SECRET\n"), "oauth2.client_secret"),
        (lambda: ClientCredentialsAuth(client(), refresh_ratio=0), "oauth2.refresh_ratio"),
        (lambda: ClientCredentialsAuth(client(), refresh_ratio=1.5), "oauth2.refresh_ratio"),
        (
            lambda: ClientCredentialsAuth(client(), refresh_ratio=float("nan")),
            "oauth2.refresh_ratio",
        ),
        (lambda: ClientCredentialsAuth(client(), prefix="Two words"), "oauth2.prefix"),
        (
            lambda: ClientCredentialsAuth(client(client_auth="none", client_secret=None)),
            "oauth2.client_auth",
        ),
        (lambda: RefreshTokenAuth(client(), TokenSet("at-SECRET")), "oauth2.tokens.refresh_token"),
        (lambda: RefreshTokenAuth(client(), RT, store=InMemoryTokenStore()), "oauth2.key"),
    ],
)
def test_malformed_oauth2_declarations_name_the_field(
    build: Callable[[], object], where: str
) -> None:
    """Each bad OAuth2 declaration raises ConfigError naming its field, echoing no secret."""
    with pytest.raises(ConfigError) as caught:
        build()
    assert caught.value.where == where
    assert "SECRET" not in str(caught.value)


def test_refresh_ratio_of_one_means_refresh_at_expiry() -> None:
    """refresh_ratio=1 is allowed: renew only when the token expires."""
    assert ClientCredentialsAuth(client(), refresh_ratio=1).client.token_url


def test_public_client_may_refresh_without_a_secret() -> None:
    """client_auth='none' (a PKCE public client) needs no client secret for refresh tokens."""
    public = OAuth2Client("https://id.vendor.test/t", "public-app", client_auth="none")
    request = public.token_request({"grant_type": "refresh_token", "refresh_token": "rt"})
    assert b"client_id=public-app" in (request.content or b"")
    assert "Authorization" not in request.headers
    assert RefreshTokenAuth(public, RT)


async def test_no_secret_in_reprs_or_logs_during_a_refresh(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reprs of every OAuth2 object, their requests, and all log output stay free of secrets."""
    caplog.set_level(logging.DEBUG)
    vendor = FakeVendor(clock, expires_in=100, rotate=True)
    saved: list[TokenSet] = []

    async def persist(tokens: TokenSet) -> None:
        saved.append(tokens)

    refresh = RefreshTokenAuth(client(), RT, clock=clock, on_tokens_rotated=persist)
    credentials = ClientCredentialsAuth(client(), clock=clock)
    with structlog.testing.capture_logs() as events:
        await drive(refresh, vendor.transport, api_request())
        clock.advance(90)
        await drive(refresh, vendor.transport, api_request())
        await drive(credentials, vendor.transport, api_request())
    assert len(vendor.token_requests) == 3
    assert any(e["event"] == "auth.token_refreshed" for e in events)
    shown = [
        repr(refresh),
        str(refresh),
        repr(credentials),
        repr(client()),
        repr(refresh.tokens),
        repr(saved),
        *map(repr, vendor.token_requests),
        *map(repr, vendor.api_requests),
        str(events),
        caplog.text,
        capsys.readouterr().out,
    ]
    for text in shown:
        assert "SECRET" not in text
