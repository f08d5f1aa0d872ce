"""Tenants, their connections, and the connections' sealed credentials."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import delete, insert, select, update

from interlink._errors import StoreError
from interlink.store._base import StoreBase, new_id
from interlink.store._rows import to_connection, to_credential, to_tenant
from interlink.store._tables import connections, credentials, tenants
from interlink.store._types import ConnectionRow, EncryptedCredential, Tenant

__all__ = ["AccountsMixin"]

_STATUSES = frozenset({"active", "disabled"})


class AccountsMixin(StoreBase):
    """Tenants, connections and credentials."""

    # --- tenants ---

    def create_tenant(
        self, name: str, *, tenant_id: str | None = None, settings: dict[str, Any] | None = None
    ) -> Tenant:
        """Create a tenant; a given `tenant_id` that already exists is a StoreError."""
        tenant = Tenant(
            id=tenant_id or new_id("ten"),
            name=name,
            created_at=self._now(),
            settings=dict(settings or {}),
        )
        with self._write("create tenant") as conn:
            taken = select(tenants.c.id).where(tenants.c.id == tenant.id)
            if conn.execute(taken).first() is not None:
                raise StoreError(f"tenant {tenant.id!r} already exists")
            conn.execute(insert(tenants), asdict(tenant))
        return tenant

    def get_tenant(self, tenant_id: str) -> Tenant | None:
        """The tenant, or None."""
        with self._read("read tenant") as conn:
            row = conn.execute(select(tenants).where(tenants.c.id == tenant_id)).first()
        return None if row is None else to_tenant(row)

    def list_tenants(self) -> list[Tenant]:
        """Every tenant, oldest first."""
        with self._read("list tenants") as conn:
            rows = conn.execute(select(tenants).order_by(tenants.c.created_at, tenants.c.id))
            return [to_tenant(row) for row in rows]

    def update_tenant(self, tenant_id: str, *, settings: Mapping[str, Any]) -> Tenant:
        """Merge `settings` into the tenant's settings (keys not named keep their value)."""
        with self._write("update tenant") as conn:
            row = conn.execute(select(tenants).where(tenants.c.id == tenant_id)).first()
            if row is None:
                raise StoreError(f"no tenant {tenant_id!r}")
            current = to_tenant(row)
            merged = {**current.settings, **settings}
            conn.execute(update(tenants).where(tenants.c.id == tenant_id).values(settings=merged))
        return replace(current, settings=merged)

    # --- connections ---

    def create_connection(
        self,
        tenant_id: str,
        provider: str,
        *,
        auth_method: str,
        variables: Mapping[str, str],
        settings: Mapping[str, Any] | None = None,
        name: str = "",
        connection_id: str | None = None,
    ) -> ConnectionRow:
        """Create an active connection for an existing tenant."""
        created = ConnectionRow(
            id=connection_id or new_id("conn"),
            tenant_id=tenant_id,
            provider=provider,
            auth_method=auth_method,
            variables=dict(variables),
            settings=dict(settings or {}),
            status="active",
            created_at=self._now(),
            name=name,
        )
        with self._write("create connection") as conn:
            if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is None:
                raise StoreError(f"cannot create a connection: no tenant {tenant_id!r}")
            taken = select(connections.c.id).where(connections.c.id == created.id)
            if conn.execute(taken).first() is not None:
                raise StoreError(f"connection {created.id!r} already exists")
            conn.execute(insert(connections), {**asdict(created), "updated_at": created.created_at})
        return created

    def get_connection(
        self, connection_id: str, *, tenant_id: str | None = None
    ) -> ConnectionRow | None:
        """The connection; None when absent or (with `tenant_id`) another tenant's."""
        query = select(connections).where(connections.c.id == connection_id)
        if tenant_id is not None:
            query = query.where(connections.c.tenant_id == tenant_id)
        with self._read("read connection") as conn:
            row = conn.execute(query).first()
        return None if row is None else to_connection(row)

    def list_connections(
        self, *, tenant_id: str | None = None, provider: str | None = None
    ) -> list[ConnectionRow]:
        """Connections, oldest first, optionally of one tenant and/or provider."""
        query = select(connections).order_by(connections.c.created_at, connections.c.id)
        if tenant_id is not None:
            query = query.where(connections.c.tenant_id == tenant_id)
        if provider is not None:
            query = query.where(connections.c.provider == provider)
        with self._read("list connections") as conn:
            return [to_connection(row) for row in conn.execute(query)]

    def update_connection(
        self,
        connection_id: str,
        *,
        status: str | None = None,
        settings: Mapping[str, Any] | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> ConnectionRow:
        """Change a connection's status, settings or variables (each replaced whole)."""
        values: dict[str, Any] = {"updated_at": self._now()}
        if status is not None:
            if status not in _STATUSES:
                raise StoreError(f"connection status {status!r}: use one of {sorted(_STATUSES)}")
            values["status"] = status
        if settings is not None:
            values["settings"] = dict(settings)
        if variables is not None:
            values["variables"] = dict(variables)
        with self._write("update connection") as conn:
            row = conn.execute(
                update(connections)
                .where(connections.c.id == connection_id)
                .values(values)
                .returning(*connections.c)
            ).first()
            if row is None:
                raise StoreError(f"no connection {connection_id!r}")
        return to_connection(row)

    def delete_connection(self, connection_id: str) -> bool:
        """Delete a connection and everything it owns (credentials, records, sync state,
        runs, drift, change events). False when there was no such connection."""
        with self._write("delete connection") as conn:
            result = conn.execute(delete(connections).where(connections.c.id == connection_id))
        return result.rowcount > 0

    # --- credentials (sealed by the vault; the store never sees plaintext) ---

    def put_credential(self, connection_id: str, key_id: str, blob: bytes) -> None:
        """Store (or replace) a connection's sealed credentials."""
        now = self._now()
        with self._write("store credentials") as conn:
            known = select(connections.c.id).where(connections.c.id == connection_id)
            if conn.execute(known).first() is None:
                raise StoreError(f"cannot store credentials: no connection {connection_id!r}")
            changed = conn.execute(
                update(credentials)
                .where(credentials.c.connection_id == connection_id)
                .values(key_id=key_id, blob=blob, updated_at=now)
            ).rowcount
            if not changed:
                conn.execute(
                    insert(credentials),
                    {
                        "connection_id": connection_id,
                        "key_id": key_id,
                        "blob": blob,
                        "updated_at": now,
                    },
                )

    def get_credential(self, connection_id: str) -> EncryptedCredential | None:
        """A connection's sealed credentials, or None."""
        query = select(credentials).where(credentials.c.connection_id == connection_id)
        with self._read("read credentials") as conn:
            row = conn.execute(query).first()
        return None if row is None else to_credential(row)

    def list_credentials(self) -> list[EncryptedCredential]:
        """Every sealed credential (what a key rotation re-encrypts)."""
        with self._read("list credentials") as conn:
            rows = conn.execute(select(credentials).order_by(credentials.c.connection_id))
            return [to_credential(row) for row in rows]

    def replace_credentials(
        self,
        rows: Sequence[EncryptedCredential],
        *,
        expected_key_ids: Mapping[str, str],
        expected_blobs: Mapping[str, bytes] | None = None,
    ) -> int:
        """Replace sealed credentials in one transaction, compare-and-swap on what was read.

        A row is replaced only while its stored key_id still equals
        `expected_key_ids[connection_id]` and, with `expected_blobs`, its blob
        still equals the one read. The key id alone is not enough: another host
        still on the old keyring may seal a refreshed token under the old key
        just as a rotation starts, and the rotation's older read must not
        overwrite it. Returns how many were replaced.
        """
        missing = [row.connection_id for row in rows if row.connection_id not in expected_key_ids]
        if expected_blobs is not None:
            missing += [
                row.connection_id for row in rows if row.connection_id not in expected_blobs
            ]
        if missing:
            raise StoreError(f"replace_credentials: no expected key_id or blob for {missing}")
        now = self._now()
        replaced = 0
        with self._write("replace credentials") as conn:
            for row in rows:
                query = update(credentials).where(
                    credentials.c.connection_id == row.connection_id,
                    credentials.c.key_id == expected_key_ids[row.connection_id],
                )
                if expected_blobs is not None:
                    query = query.where(credentials.c.blob == expected_blobs[row.connection_id])
                replaced += conn.execute(
                    query.values(key_id=row.key_id, blob=row.blob, updated_at=now)
                ).rowcount
        return replaced
