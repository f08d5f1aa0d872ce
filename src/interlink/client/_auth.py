"""An auth method of a spec plus a connection's credentials: the `Auth` flow to send with."""

from __future__ import annotations

from collections.abc import Mapping

from interlink._clock import Clock
from interlink._errors import ConfigError
from interlink.auth import (
    APIKeyAuth,
    Auth,
    BasicAuth,
    BearerAuth,
    ClientCredentialsAuth,
    OAuth2Client,
    RefreshTokenAuth,
    TokenSet,
    TokensRotated,
)
from interlink.connectors import AuthMethodSpec, RenderContext
from interlink.state import State

__all__ = ["build_auth"]


def _credential(credentials: Mapping[str, str], name: str, method: AuthMethodSpec) -> str:
    value = credentials.get(name)
    if not value:
        raise ConfigError(f"credentials.{name}", f"is required by auth method {method.name!r}")
    return value


def build_auth(
    method: AuthMethodSpec,
    context: RenderContext,
    *,
    state: State,
    key: str,
    clock: Clock,
    on_tokens_rotated: TokensRotated | None = None,
) -> Auth:
    """The flow for `method`; a missing credential is a `ConfigError` naming it."""
    for name in sorted(method.credentials):
        if name != "client_secret" or method.type != "oauth2_refresh_token":
            _credential(context.credentials, name, method)

    def secret(name: str, default: str = "") -> str:
        template = method.secrets.get(name)
        return template.render(context) if template is not None else default

    if method.type == "bearer":
        return BearerAuth(secret("token"), prefix=method.prefix or "Bearer")
    if method.type == "api_key":
        return APIKeyAuth(
            secret("key"), name=method.header_name or "X-API-Key",
            placement=method.placement, prefix=method.prefix,
        )  # fmt: skip
    if method.type == "basic":
        return BasicAuth(secret("username"), secret("password"))
    assert method.token_url is not None  # the schema requires it for OAuth methods
    client = OAuth2Client(
        method.token_url.render(context),
        context.credentials["client_id"],
        context.credentials.get("client_secret"),
        client_auth=method.client_auth,
        scopes=method.scopes,
        extra_params=method.extra_params,
    )
    shared = {"store": state.tokens, "lock": state.locks, "key": key, "clock": clock}
    if method.type == "oauth2_client_credentials":
        return ClientCredentialsAuth(client, refresh_ratio=method.refresh_ratio, **shared)  # type: ignore[arg-type]
    tokens = TokenSet.from_refresh_token(context.credentials["refresh_token"])
    return RefreshTokenAuth(
        client, tokens, on_tokens_rotated=on_tokens_rotated, refresh_ratio=method.refresh_ratio,
        **shared,  # type: ignore[arg-type]
    )  # fmt: skip
