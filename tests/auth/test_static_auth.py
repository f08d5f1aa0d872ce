"""Static credentials: API keys, HTTP Basic and fixed bearer tokens."""

from __future__ import annotations

import base64

import pytest
from authkit import API_URL, api_request, drive

from interlink.auth import APIKeyAuth, Auth, BasicAuth, BearerAuth
from interlink.errors import ConfigError
from interlink.http import MockTransport, Request, Response, respond

KEY = "key-SECRET-123"


def recorder(status: int = 200) -> MockTransport:
    """A vendor that answers every call with `status`."""
    return MockTransport(lambda request: respond(request, status, json={}))


async def sent(auth: Auth, status: int = 200) -> tuple[Request, Response, MockTransport]:
    """Drive one call through `auth`; return what the vendor received."""
    transport = recorder(status)
    response = await drive(auth, transport, api_request())
    assert len(transport.requests) == 1
    return transport.requests[0], response, transport


async def test_api_key_header_without_prefix() -> None:
    """An API key goes verbatim into the named header, marked sensitive."""
    request, _, _ = await sent(APIKeyAuth(KEY, name="X-Vendor-Key"))
    assert request.headers["X-Vendor-Key"] == KEY
    assert "x-vendor-key" in request.sensitive


@pytest.mark.parametrize("prefix", ["Bearer", "Token", "Zoho-oauthtoken"])
async def test_api_key_header_with_prefix(prefix: str) -> None:
    """A prefix is written before the key, separated by one space."""
    request, _, _ = await sent(APIKeyAuth(KEY, name="Authorization", prefix=prefix))
    assert request.headers["Authorization"] == f"{prefix} {KEY}"


async def test_api_key_in_query_is_sent_and_redacted() -> None:
    """A query-parameter key travels in params, and the request's repr hides it."""
    request, _, _ = await sent(APIKeyAuth(KEY, name="hkey", placement="query"))
    assert request.params["hkey"] == KEY
    assert request.params["limit"] == "10"
    assert KEY in request.full_url
    assert KEY not in repr(request)
    assert KEY not in request.redacted_url


async def test_basic_auth_header() -> None:
    """HTTP Basic carries base64(user:password)."""
    request, _, _ = await sent(BasicAuth("alice", "pa:ss-SECRET"))
    scheme, _, encoded = request.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded) == b"alice:pa:ss-SECRET"


@pytest.mark.parametrize(("password", "expected"), [("", f"{KEY}:"), ("X", f"{KEY}:X")])
async def test_basic_auth_with_api_key_as_user_name(password: str, expected: str) -> None:
    """An API key can be the Basic user name with an empty or a fixed password."""
    request, _, _ = await sent(BasicAuth.from_api_key(KEY, password=password))
    encoded = request.headers["Authorization"].removeprefix("Basic ")
    assert base64.b64decode(encoded).decode() == expected


async def test_static_bearer() -> None:
    """A fixed token is sent as `Bearer <token>`, or with another prefix."""
    request, _, _ = await sent(BearerAuth(KEY))
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    request, _, _ = await sent(BearerAuth(KEY, prefix="token"))
    assert request.headers["Authorization"] == f"token {KEY}"


@pytest.mark.parametrize(
    "auth",
    [APIKeyAuth(KEY), BasicAuth.from_api_key(KEY), BearerAuth(KEY)],
    ids=["api_key", "basic", "bearer"],
)
async def test_a_401_is_final_for_static_credentials(auth: Auth) -> None:
    """With nothing to refresh, a 401 ends the flow after the single request."""
    _, response, transport = await sent(auth, status=401)
    assert response.status == 401
    assert len(transport.requests) == 1


async def test_the_original_request_is_not_modified() -> None:
    """Auth returns a new request; the caller's request keeps no credentials."""
    original = api_request()
    await drive(APIKeyAuth(KEY), recorder(), original)
    assert "X-API-Key" not in original.headers
    assert original.url == API_URL


@pytest.mark.parametrize(
    "auth",
    [
        APIKeyAuth(KEY),
        APIKeyAuth(KEY, name="key", placement="query"),
        BasicAuth("user-SECRET", "pw-SECRET"),
        BasicAuth.from_api_key(KEY),
        BearerAuth(KEY),
    ],
)
async def test_no_secret_in_repr_of_strategy_or_request(auth: Auth) -> None:
    """Neither the strategy nor the request it produces shows the secret."""
    request, response, _ = await sent(auth)
    for text in (repr(auth), str(auth), repr(request), str(request), repr(response)):
        assert "SECRET" not in text


@pytest.mark.parametrize(
    ("build", "where"),
    [
        (lambda: APIKeyAuth(""), "api_key.key"),
        (lambda: APIKeyAuth(None), "api_key.key"),  # type: ignore[arg-type]
        (lambda: APIKeyAuth(KEY, placement="cookie"), "api_key.placement"),  # type: ignore[arg-type]
        (lambda: APIKeyAuth(KEY, name=""), "api_key.name"),
        (lambda: APIKeyAuth(KEY, name="X Key"), "api_key.name"),
        (lambda: APIKeyAuth(KEY, name="k", placement="query", prefix="Bearer"), "api_key.prefix"),
        (lambda: APIKeyAuth(KEY, prefix="Bad prefix"), "api_key.prefix"),
        (lambda: APIKeyAuth("key-SECRET\r\nX-Evil: 1"), "api_key.key"),
        (lambda: APIKeyAuth(" key-SECRET "), "api_key.key"),
        (lambda: BasicAuth(""), "basic.username"),
        (lambda: BasicAuth("a:b-SECRET"), "basic.username"),
        (lambda: BasicAuth("user", "pw-SECRET\n"), "basic.password"),
        (lambda: BearerAuth(""), "bearer.token"),
        (lambda: BearerAuth(KEY, prefix=""), "bearer.prefix"),
    ],
)
def test_malformed_declarations_are_rejected_naming_the_field(build: object, where: str) -> None:
    """A bad declaration fails at construction with the field named and no secret echoed."""
    assert callable(build)
    with pytest.raises(ConfigError) as caught:
        build()
    assert caught.value.where == where
    assert "SECRET" not in str(caught.value)
