"""The connect flow's configuration: the server secret's file, its length, https cookies."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx2
import pytest
from tests.server.connect.conftest import World

from interlink._errors import ConfigError
from interlink.server import create_app
from interlink.server.connect import ConnectConfig, OAuthApp, connect_router, server_secret
from interlink.vault import FileSecret


def test_the_server_secret_is_created_once_private_and_reused(tmp_path: Path) -> None:
    """First use writes 32 random bytes, mode 0600; later uses read the same bytes."""
    path = tmp_path / "server.key"
    first = server_secret(FileSecret(path))
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert server_secret(FileSecret(path)) == first


def test_a_short_secret_is_refused(world: World) -> None:
    """A secret under 32 bytes is a ConfigError naming it."""
    with pytest.raises(ConfigError, match=r"connect\.secret"):
        ConnectConfig(b"short", world.vault, world.transport)


async def test_cookies_are_secure_when_the_public_url_is_https(world: World) -> None:
    """Behind a TLS proxy (public_url https) the flow cookie is Secure and the redirect URI
    names the public URL."""
    app = create_app(world.store, world.connections, clock=world.clock, auth_ttl=0)
    app.include_router(
        connect_router(
            ConnectConfig(
                b"s" * 32, world.vault, world.transport,
                apps={"salesforce": OAuthApp(world.salesforce.client_id, "x")},
                public_url="https://connect.example.com",
            )
        )
    )  # fmt: skip
    token = await world.tenant_token()
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://internal"
    ) as client:
        leave = await client.get("/connect/salesforce", params={"tenant_token": token})
    assert leave.status_code == 303
    cookie = leave.headers["set-cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert (
        "redirect_uri=https%3A%2F%2Fconnect.example.com%2Fconnect%2Fsalesforce%2Fcallback"
        in (leave.headers["location"])
    )
