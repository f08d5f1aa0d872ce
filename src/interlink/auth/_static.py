"""Static credentials: an API key, HTTP Basic, a fixed bearer token.

Each strategy is a frozen dataclass that adds one header or query parameter,
marked sensitive on the request so reprs, logs and errors redact it. A 401 is
final for them: there is nothing to refresh, so the flow ends and the pipeline
reports an `AuthError`. The value to send is computed once, at construction,
because it is added to every vendor call.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal, get_args

from interlink._errors import ConfigError
from interlink.http._models import Request, Response

__all__ = ["APIKeyAuth", "BasicAuth", "BearerAuth", "KeyPlacement"]

KeyPlacement = Literal["header", "query"]
_PLACEMENTS: frozenset[str] = frozenset(get_args(KeyPlacement))
# RFC 9110 §5.6.2 token characters: what a header name may be made of.
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def check_header_safe(where: str, secret: str) -> None:
    """Reject a secret that would break (or inject into) an HTTP header; never echo it."""
    if any(c in secret for c in "\r\n\x00"):
        raise ConfigError(where, "must not contain line breaks or NUL characters")
    if secret != secret.strip():
        raise ConfigError(where, "has leading or trailing whitespace (a copy-paste slip?)")


def check_secret(where: str, secret: object) -> None:
    if not isinstance(secret, str) or not secret:
        raise ConfigError(where, "must be a non-empty string")
    check_header_safe(where, secret)


def check_header_name(where: str, name: str) -> None:
    if not _HEADER_NAME.match(name):
        raise ConfigError(where, f"is not a valid header name: {name!r}")


def check_prefix(where: str, prefix: str | None) -> None:
    if prefix is not None and not _HEADER_NAME.match(prefix):
        raise ConfigError(where, f"must be a single word such as 'Bearer', got {prefix!r}")


@dataclass(frozen=True, slots=True)
class APIKeyAuth:
    """An API key in a header (optionally after a prefix) or in a query parameter.

    `APIKeyAuth(key, name="X-API-Key")`,
    `APIKeyAuth(key, name="Authorization", prefix="Zoho-oauthtoken")`,
    `APIKeyAuth(key, name="api_key", placement="query")`.
    """

    key: str = field(repr=False)
    name: str = "X-API-Key"
    placement: KeyPlacement = "header"
    prefix: str | None = None
    _value: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_secret("api_key.key", self.key)
        if self.placement not in _PLACEMENTS:
            raise ConfigError(
                "api_key.placement",
                f"must be one of {sorted(_PLACEMENTS)}, got {self.placement!r}",
            )
        if not self.name:
            raise ConfigError("api_key.name", "must name the header or query parameter")
        if self.placement == "header":
            check_header_name("api_key.name", self.name)
        if self.prefix is not None and self.placement == "query":
            raise ConfigError("api_key.prefix", "only applies to a key sent in a header")
        check_prefix("api_key.prefix", self.prefix)
        value = f"{self.prefix} {self.key}" if self.prefix else self.key
        object.__setattr__(self, "_value", value)

    async def auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        if self.placement == "query":
            yield request.with_params({self.name: self._value}, sensitive=self.name)
        else:
            yield request.with_headers({self.name: self._value}, sensitive=self.name)


@dataclass(frozen=True, slots=True)
class BasicAuth:
    """HTTP Basic (RFC 7617). Many vendors take an API key as the user name:
    `BasicAuth.from_api_key(key)` (empty password, Stripe-style) or
    `BasicAuth.from_api_key(key, password="X")` (Freshdesk-style).
    """

    username: str = field(repr=False)
    password: str = field(default="", repr=False)
    _value: str = field(init=False, repr=False, compare=False)

    @classmethod
    def from_api_key(cls, key: str, *, password: str = "") -> BasicAuth:
        """An API key sent as the Basic user name, with an empty or fixed password."""
        return cls(key, password)

    def __post_init__(self) -> None:
        check_secret("basic.username", self.username)
        if ":" in self.username:
            raise ConfigError("basic.username", "must not contain ':' (RFC 7617)")
        if not isinstance(self.password, str):
            raise ConfigError("basic.password", "must be a string (empty for none)")
        if self.password:
            check_header_safe("basic.password", self.password)
        pair = f"{self.username}:{self.password}".encode()
        object.__setattr__(self, "_value", "Basic " + base64.b64encode(pair).decode())

    async def auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        yield request.with_headers({"Authorization": self._value}, sensitive="authorization")


@dataclass(frozen=True, slots=True)
class BearerAuth:
    """A fixed token in `Authorization: <prefix> <token>` (a personal access token)."""

    token: str = field(repr=False)
    prefix: str = "Bearer"
    _value: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_secret("bearer.token", self.token)
        check_prefix("bearer.prefix", self.prefix)
        object.__setattr__(self, "_value", f"{self.prefix} {self.token}")

    async def auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        yield request.with_headers({"Authorization": self._value}, sensitive="authorization")
