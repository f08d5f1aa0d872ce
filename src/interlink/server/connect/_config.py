"""What the connect flow needs that the API does not: the product's OAuth apps, a secret, a vault.

```python
config = ConnectConfig(
    secret=server_secret(FileSecret(".interlink/connect.key")),
    vault=vault,
    transport=transport,          # the server's (metered) transport: token exchanges, test calls
    apps={"salesforce": OAuthApp("3MVG9...", "secret")},
)
app.include_router(connect_router(config))
```
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from interlink._errors import ConfigError, VaultError
from interlink.http import Transport
from interlink.sync import Credentials
from interlink.vault import SecretBackend

__all__ = ["ConnectConfig", "OAuthApp", "server_secret"]

SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """The product's OAuth app registered at one provider (its client id and secret)."""

    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] | None = None
    """Scopes to ask for; None: the connector spec's."""


class _Secret(Protocol):
    def read(self) -> bytes | None: ...

    def create(self, data: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class ConnectConfig:
    """The connect flow's parts.

    `secret` signs tenant tokens and seals the flow's cookies (>= 32 bytes).
    `browser_routes` rewrite a vendor's authorize URL for the end user's browser, as
    `RoutedTransport` does for server-side calls (the demo and tests send vendors to
    loopback simulators). `public_url` is the server's external base URL, used in the
    OAuth `redirect_uri` (default: the URL the request reached).
    """

    secret: bytes = field(repr=False)
    vault: Credentials
    transport: Transport
    apps: Mapping[str, OAuthApp] = field(default_factory=dict)
    browser_routes: Mapping[str, str] = field(default_factory=dict)
    public_url: str | None = None
    token_ttl: float = 900.0
    """Longest lifetime a tenant token may ask for (seconds)."""
    flow_ttl: float = 600.0
    """How long an end user has from leaving for the vendor to coming back."""
    session_ttl: float = 3600.0
    """How long a dashboard login lasts."""

    def __post_init__(self) -> None:
        if len(self.secret) < SECRET_BYTES:
            raise ConfigError("connect.secret", f"must be at least {SECRET_BYTES} bytes")


def server_secret(backend: SecretBackend | _Secret) -> bytes:
    """The server's signing secret in `backend`, created (random, 32 bytes) on first use."""
    found = backend.read()
    if found is None:
        # Another process may create it first: then its secret is read and used.
        with contextlib.suppress(VaultError):
            backend.create(secrets.token_bytes(SECRET_BYTES))
        found = backend.read()
    if found is None or len(found) < SECRET_BYTES:
        raise ConfigError("connect.secret", "the stored server secret is missing or too short")
    return found
