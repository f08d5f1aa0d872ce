"""Tenant tokens: what a product hands its end user's browser to open the connect pages.

The product mints one with its API key (`POST /v1/connect/tokens`) for one of
its customers' sessions; the token names the tenant, where to send the user
back, optionally which providers to offer, and expires within minutes. It is
HMAC-signed with the server secret, so it needs no storage and cannot be
altered (a return URL bound into it cannot be swapped for an attacker's).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from interlink.server.connect._signing import BadTokenError, Signer

__all__ = ["TenantGrant", "TenantTokens"]


@dataclass(frozen=True, slots=True)
class TenantGrant:
    """What a valid tenant token allows: connecting accounts for `tenant_id`."""

    token_id: str
    tenant_id: str
    expires_at: float
    return_url: str | None = None
    providers: tuple[str, ...] | None = None
    """The providers to offer; None: every one the server can connect."""

    @property
    def actor(self) -> str:
        return f"connect_token:{self.token_id}"

    def allows(self, provider: str) -> bool:
        return self.providers is None or provider in self.providers


class TenantTokens:
    """Mints and verifies tenant tokens with the server secret."""

    __slots__ = ("_signer",)

    def __init__(self, secret: bytes) -> None:
        self._signer = Signer(secret, "tenant-token")

    def mint(
        self,
        tenant_id: str,
        *,
        expires_at: float,
        return_url: str | None = None,
        providers: tuple[str, ...] | None = None,
    ) -> tuple[str, TenantGrant]:
        grant = TenantGrant(secrets.token_hex(8), tenant_id, expires_at, return_url, providers)
        payload: dict[str, Any] = {"jti": grant.token_id, "ten": tenant_id}
        if return_url is not None:
            payload["ret"] = return_url
        if providers is not None:
            payload["prv"] = list(providers)
        return self._signer.sign(payload, expires_at=expires_at), grant

    def verify(self, token: str, *, now: float) -> TenantGrant:
        """The grant; `BadTokenError` (malformed, forged, expired) otherwise."""
        data = self._signer.verify(token, now=now)
        tenant, jti = data.get("ten"), data.get("jti")
        providers = data.get("prv")
        if not isinstance(tenant, str) or not isinstance(jti, str):
            raise BadTokenError("malformed")
        if providers is not None and not (
            isinstance(providers, list) and all(isinstance(p, str) for p in providers)
        ):
            raise BadTokenError("malformed")
        ret = data.get("ret")
        return TenantGrant(
            jti,
            tenant,
            float(data["exp"]),
            ret if isinstance(ret, str) else None,
            None if providers is None else tuple(providers),
        )
