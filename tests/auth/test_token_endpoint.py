"""How token endpoint answers become token sets or errors, with no secret in any error."""

from __future__ import annotations

import pytest
from authkit import CLIENT_SECRET, FIRST_REFRESH_TOKEN, FakeVendor, api_request, client, drive

from interlink._clock import FakeClock
from interlink.auth import ClientCredentialsAuth, RefreshTokenAuth, TokenSet
from interlink.errors import (
    AuthError,
    MalformedResponseError,
    RateLimitedError,
    ReauthorizationRequired,
    ServerError,
    UpstreamError,
)
from interlink.http import Request, Response, respond


def answer(status: int, **kwargs: object) -> object:
    """A canned token-endpoint answer for `FakeVendor.token_faults`."""
    return lambda request: respond(request, status, **kwargs)  # type: ignore[arg-type]


async def fail_with(clock: FakeClock, fault: object, *, refresh: bool = False) -> UpstreamError:
    """Drive one call whose token request gets `fault`; return the error raised."""
    vendor = FakeVendor(clock)
    vendor.token_faults = [fault]  # type: ignore[list-item]
    auth = (
        RefreshTokenAuth(client(), TokenSet.from_refresh_token(FIRST_REFRESH_TOKEN), clock=clock)
        if refresh
        else ClientCredentialsAuth(client(), clock=clock)
    )
    with pytest.raises(UpstreamError) as caught:
        await drive(auth, vendor.transport, api_request())
    assert vendor.api_requests == []
    return caught.value


def assert_no_secret(error: UpstreamError) -> None:
    """Nothing a log or problem document would show contains a secret."""
    for text in (str(error), repr(error), str(error.body), str(error.to_problem()), error.url):
        assert "SECRET" not in str(text)


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (answer(500, content="internal"), ServerError),
        (answer(503, json={"error": "temporarily_unavailable"}), ServerError),
        (answer(408, content=""), ServerError),
        (answer(200, content="<html>login</html>"), MalformedResponseError),
        (answer(200, json=["not", "an", "object"]), MalformedResponseError),
        (answer(400, json={"error": "invalid_scope"}), AuthError),
        (answer(401, json={"error": "invalid_client"}), AuthError),
        (answer(403, content="forbidden"), AuthError),
        (answer(400, json={"error": "invalid_grant"}), ReauthorizationRequired),
        (answer(200, json={"error": "invalid_grant"}), ReauthorizationRequired),
        (
            answer(200, json={"ok": False, "error": "invalid_refresh_token"}),
            ReauthorizationRequired,
        ),
    ],
)
async def test_token_endpoint_failures_map_to_the_error_tree(
    clock: FakeClock, fault: object, expected: type[UpstreamError]
) -> None:
    """Outages are retryable, refusals are auth errors, a dead grant needs re-authorization."""
    error = await fail_with(clock, fault, refresh=True)
    assert type(error) is expected
    assert error.url is not None
    assert error.url.endswith("/oauth/token")
    assert_no_secret(error)


async def test_token_endpoint_429_carries_retry_after(clock: FakeClock) -> None:
    """A throttled token request raises RateLimitedError with the vendor's Retry-After."""
    error = await fail_with(clock, answer(429, content="slow down", headers={"Retry-After": "7"}))
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 7.0


async def test_invalid_client_is_not_reauthorization(clock: FakeClock) -> None:
    """invalid_client means our registration is wrong, not that the user must reconnect."""
    error = await fail_with(clock, answer(401, json={"error": "invalid_client"}), refresh=True)
    assert type(error) is AuthError
    assert not isinstance(error, ReauthorizationRequired)


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "bearer", "expires_in": 3600},
        {"access_token": "", "expires_in": 3600},
        {"access_token": 12345, "expires_in": 3600},
    ],
)
async def test_missing_access_token_is_named(clock: FakeClock, body: dict[str, object]) -> None:
    """A success answer without a usable access_token is a MalformedResponseError naming it."""
    error = await fail_with(clock, answer(200, json=body))
    assert isinstance(error, MalformedResponseError)
    assert "access_token" in str(error)


@pytest.mark.parametrize("expires_in", [-5, 0, "soon", True, [3600], "nan", {"s": 1}])
async def test_bad_expires_in_is_named(clock: FakeClock, expires_in: object) -> None:
    """A bad expires_in is a MalformedResponseError naming the field, not a silent default."""
    body = {"access_token": "at-SECRET-x", "expires_in": expires_in}
    error = await fail_with(clock, answer(200, json=body))
    assert isinstance(error, MalformedResponseError)
    assert "'expires_in'" in str(error)
    assert_no_secret(error)


async def test_numeric_string_expires_in_is_accepted(clock: FakeClock) -> None:
    """Some providers send expires_in as a string of digits; it is read as seconds."""
    vendor = FakeVendor(clock, expires_in="120")
    auth = ClientCredentialsAuth(client(), clock=clock)
    await drive(auth, vendor.transport, api_request())
    assert auth.tokens is not None
    assert auth.tokens.expires_at == clock.time() + 120


async def test_form_encoded_token_answer_is_understood(clock: FakeClock) -> None:
    """A token answer sent as application/x-www-form-urlencoded is parsed too."""
    vendor = FakeVendor(clock)
    vendor.valid_access.add("at-SECRET-form")
    vendor.token_faults = [
        answer(
            200,
            content="access_token=at-SECRET-form&token_type=bearer&expires_in=60",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # type: ignore[list-item]
    ]
    auth = ClientCredentialsAuth(client(), clock=clock)
    assert (await drive(auth, vendor.transport, api_request())).status == 200
    assert vendor.used_tokens() == ["at-SECRET-form"]


async def test_echoed_secrets_are_scrubbed_from_errors(clock: FakeClock) -> None:
    """A token endpoint that echoes the secrets it was sent cannot leak them through errors."""

    def echo(request: Request) -> Response:
        description = f"bad client {CLIENT_SECRET} or token {FIRST_REFRESH_TOKEN}"
        return respond(
            request, 400, json={"error": "invalid_request", "error_description": description}
        )

    error = await fail_with(clock, echo, refresh=True)
    assert isinstance(error, AuthError)
    assert "invalid_request" in str(error)
    assert "bad client" in str(error)
    assert_no_secret(error)
