"""`POST /v1/connect/tokens`: the product's backend mints a tenant token with its API key."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from interlink.server._problems import PROBLEM_RESPONSES, Problem
from interlink.server._services import Services, services
from interlink.server._tenancy import Caller
from interlink.server.connect._config import ConnectConfig
from interlink.server.connect._tenant_tokens import TenantTokens

__all__ = ["TokenAnswer", "TokenRequest", "add_mint_route"]

App = Annotated[Services, Depends(services)]


class TokenRequest(BaseModel):
    """A tenant token for one end user's visit to the connect pages."""

    model_config = ConfigDict(extra="forbid")
    return_url: str | None = Field(
        default=None, max_length=2000, description="Where to send the user after connecting"
    )
    providers: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=100, description="Offer only these providers"
    )
    ttl_seconds: int = Field(default=600, ge=30, le=86_400)


class TokenAnswer(BaseModel):
    token: str
    expires_at: float
    url: str
    """The hosted page, relative to the server: send the user's browser there."""


def add_mint_route(router: APIRouter, config: ConnectConfig, tokens: TenantTokens) -> None:
    """Add the minting endpoint to `router`."""

    @router.post(
        "/v1/connect/tokens",
        tags=["connect"],
        summary="A short-lived tenant token opening the connect pages for one end user",
        responses=PROBLEM_RESPONSES,
    )
    async def mint_token(body: TokenRequest, caller: Caller, app: App) -> TokenAnswer:
        if body.return_url is not None and not _absolute(body.return_url):
            raise Problem(
                422, "invalid-request", "body return_url: must be an absolute http(s) URL"
            )
        if body.providers is not None:
            unknown = [p for p in body.providers if p not in app.registry.names()]
            if unknown:
                raise Problem(
                    422, "invalid-request", f"body providers: unknown provider {unknown[0]!r}"
                )
        ttl = min(float(body.ttl_seconds), config.token_ttl)
        expires_at = app.clock.time() + ttl
        providers = None if body.providers is None else tuple(body.providers)
        token, grant = tokens.mint(
            caller.tenant_id, expires_at=expires_at, return_url=body.return_url,
            providers=providers,
        )  # fmt: skip
        await app.store.audit(
            caller.actor, "connect.token", grant.token_id, "ok", tenant_id=caller.tenant_id
        )
        return TokenAnswer(
            token=token, expires_at=expires_at, url=f"/connect?tenant_token={quote(token)}"
        )


def _absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
