"""Every credential read leaves an audit entry, written by the vault itself.

Reading credentials is the vault's `get`, whoever calls it: the server's API
and scheduler, the webhook intake, the CLI, the Celery workers. So the vault
is where the audit entry is written, and no caller can forget it. Who read is
the narrowest actor known: the one the call names (`get(id, actor="webhooks")`),
else the one the context names (`acting_for`, set per API request to
`api_key:<id>` and inherited by the tasks it starts), else the process the
vault was built for (`Vault(store, keys, actor="cli")`).

Only a store that keeps an audit log (`interlink.store.Store`) gets entries;
the tenant of each entry is the connection's, looked up once per connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Protocol, runtime_checkable

from interlink.store import ConnectionRow

__all__ = ["AuditTrail", "acting_for"]

acting_for: ContextVar[str | None] = ContextVar("interlink_acting_for", default=None)
"""Who work in this context is done for, when narrower than the process (an API key)."""


@runtime_checkable
class AuditTrail(Protocol):
    """What the vault needs to audit its reads (`interlink.store.Store` fits)."""

    def audit(
        self,
        actor: str,
        action: str,
        target: str,
        outcome: str,
        *,
        tenant_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None: ...

    def get_connection(
        self, connection_id: str, *, tenant_id: str | None = None
    ) -> ConnectionRow | None: ...
