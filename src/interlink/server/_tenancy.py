"""Who is calling: every request carries `Authorization: Bearer <key>` and acts for its tenant.

Another tenant's connection or record is answered exactly as a missing one
(404, the same words), so a caller learns nothing about ids it does not own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from interlink.server._context import actor
from interlink.server._keys import digest
from interlink.server._problems import Problem
from interlink.server._services import Services
from interlink.store import ConnectionRow

__all__ = ["SECURITY_SCHEME", "Caller", "Principal", "authenticate", "own_connection"]

SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A tenant API key (`interlink keys create TENANT`)",
}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="interlink"'}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: an API key of one tenant, and that tenant's settings."""

    key_id: str
    tenant_id: str
    settings: dict[str, Any]

    @property
    def actor(self) -> str:
        return f"api_key:{self.key_id}"

    @property
    def requires_if_match(self) -> bool:
        return bool(self.settings.get("require_if_match", False))


async def authenticate(request: Request) -> Principal:
    """The caller of `request`, or a 401 problem. One flat function: it runs on every request."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(401, "unauthenticated", "send 'Authorization: Bearer <API key>'",
                      headers=_CHALLENGE)  # fmt: skip
    secret = secret.strip()
    app: Services = request.app.state.services
    cache: dict[str, tuple[float, Principal]] = request.app.state.auth_cache
    now = app.clock.monotonic()
    key = digest(secret)
    cached = cache.get(key)
    if cached is not None and now - cached[0] < app.auth_ttl:
        principal = cached[1]
    else:
        found = await app.store.call(app.keys.verify, secret)
        tenant = None if found is None else await app.store.get_tenant(found.tenant_id)
        if found is None or tenant is None:
            cache.pop(key, None)
            raise Problem(
                401, "unauthenticated", "the API key is unknown or revoked", headers=_CHALLENGE
            )
        principal = Principal(found.id, tenant.id, dict(tenant.settings))
        if len(cache) > 10_000:
            cache.clear()
        cache[key] = (now, principal)
    request.state.principal = principal
    actor.set(principal.actor)
    return principal


Caller = Annotated[Principal, Depends(authenticate)]
"""A handler parameter: the authenticated caller (401 problem otherwise)."""


async def own_connection(app: Services, caller: Principal, connection_id: str) -> ConnectionRow:
    """The caller's connection `connection_id`; 404 when absent or another tenant's."""
    row = await app.store.get_connection(connection_id, tenant_id=caller.tenant_id)
    if row is None:
        raise Problem(404, "not-found", f"no connection {connection_id!r}")
    return row
