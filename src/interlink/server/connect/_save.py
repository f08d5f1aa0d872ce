"""Saving a connection: the row, then its credentials sealed by the vault, or nothing at all.

The credentials row references the connection, so the connection is created
first; if sealing or writing the credentials fails, the connection is deleted
again, so a failure never leaves a connection without credentials behind.
Both steps are audited (who, what, outcome), never with a secret.
"""

from __future__ import annotations

from collections.abc import Mapping

from interlink.server._services import Services
from interlink.store import ConnectionRow
from interlink.sync import Credentials

__all__ = ["save_connection"]


async def save_connection(
    app: Services,
    vault: Credentials,
    *,
    tenant_id: str,
    actor: str,
    provider: str,
    method: str,
    variables: Mapping[str, str],
    credentials: Mapping[str, str],
    name: str,
) -> ConnectionRow:
    store = app.store
    row = await store.create_connection(
        tenant_id, provider, auth_method=method, variables=dict(variables), name=name
    )
    try:
        await store.call(vault.put, row.id, dict(credentials))
    except BaseException as exc:
        await store.delete_connection(row.id)
        await store.audit(
            actor, "connection.create", row.id, "failed", tenant_id=tenant_id,
            detail={"provider": provider, "error": type(exc).__name__},
        )  # fmt: skip
        raise
    await store.audit(
        actor, "connection.create", row.id, "ok", tenant_id=tenant_id,
        detail={"provider": provider, "auth_method": method, "via": "connect"},
    )  # fmt: skip
    await store.audit(
        actor, "credentials.write", row.id, "ok", tenant_id=tenant_id,
        detail={"fields": sorted(credentials)},
    )  # fmt: skip
    return row
