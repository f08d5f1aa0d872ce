"""An OAuth2 client's registration at a provider, and the token requests it makes.

Token requests are ordinary `Request`s with `purpose="auth"`: they are yielded
from the auth flow and travel the pipeline's transport, so tests fake them
like any vendor call. Bodies are form-encoded (RFC 6749 §4.4.2, §6).
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args
from urllib.parse import quote, urlencode, urlsplit

from interlink._errors import ConfigError
from interlink._redact import redact_url
from interlink.auth._static import check_header_safe
from interlink.http._models import Request

__all__ = ["ClientAuthMethod", "OAuth2Client"]

ClientAuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]
_METHODS: frozenset[str] = frozenset(get_args(ClientAuthMethod))
_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class OAuth2Client:
    """How this application authenticates to a provider's token endpoint.

    `client_auth` is how the client secret travels: an HTTP Basic header
    (`client_secret_basic`, the RFC's default), form fields
    (`client_secret_post`), or not at all for public clients (`none`).
    `extra_params` are added to every token request (e.g. `audience`).
    """

    token_url: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    client_auth: ClientAuthMethod = "client_secret_basic"
    scopes: tuple[str, ...] = ()
    extra_params: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 30.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.token_url)
        if not self.token_url:
            raise ConfigError("oauth2.token_url", "is required")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                "oauth2.token_url",
                f"must be an absolute http(s) URL, got {redact_url(self.token_url)!r}",
            )
        if "@" in parts.netloc:
            raise ConfigError("oauth2.token_url", "must not carry credentials in the URL")
        if not self.client_id:
            raise ConfigError("oauth2.client_id", "is required")
        if self.client_auth not in _METHODS:
            raise ConfigError(
                "oauth2.client_auth",
                f"must be one of {sorted(_METHODS)}, got {self.client_auth!r}",
            )
        if self.client_auth != "none" and not self.client_secret:
            raise ConfigError("oauth2.client_secret", f"is required by {self.client_auth}")
        if self.client_secret is not None:
            check_header_safe("oauth2.client_secret", self.client_secret)
        if isinstance(self.scopes, str):
            raise ConfigError("oauth2.scopes", "must be a sequence of scope names, not a string")
        for scope in self.scopes:
            if not scope or " " in scope:
                raise ConfigError("oauth2.scopes", f"invalid scope name {scope!r}")
        for name in self.extra_params:
            if name in _RESERVED:
                raise ConfigError(f"oauth2.extra_params.{name}", "is set by the grant itself")
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            raise ConfigError("oauth2.timeout", f"must be a positive number, got {self.timeout!r}")
        object.__setattr__(self, "scopes", tuple(self.scopes))
        object.__setattr__(self, "extra_params", MappingProxyType(dict(self.extra_params)))

    def token_request(self, grant: Mapping[str, str]) -> Request:
        """The POST to the token endpoint for `grant` (grant_type and its fields)."""
        form: dict[str, str] = dict(grant)
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        form.update(self.extra_params)
        headers = {"Content-Type": _FORM, "Accept": "application/json"}
        if self.client_auth == "client_secret_basic":
            assert self.client_secret is not None  # checked at construction
            # RFC 6749 §2.3.1: both halves are form-encoded before base64.
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.client_id
            if self.client_auth == "client_secret_post":
                assert self.client_secret is not None
                form["client_secret"] = self.client_secret
        return Request(
            "POST",
            self.token_url,
            headers=headers,
            content=urlencode(form).encode(),
            timeout=self.timeout,
            purpose="auth",
            sensitive=frozenset({"authorization"}),
        )

    @property
    def identity(self) -> str:
        """A stable, secret-free name for this client and scope set (a token-store key)."""
        material = "\n".join(
            [self.token_url, self.client_id, " ".join(self.scopes)]
            + [f"{k}={v}" for k, v in sorted(self.extra_params.items())]
        )
        return hashlib.sha256(material.encode()).hexdigest()[:32]

    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log or an error message."""
        return (self.client_secret,) if self.client_secret else ()


_RESERVED = frozenset(
    {"grant_type", "client_id", "client_secret", "refresh_token", "scope", "code"}
)
