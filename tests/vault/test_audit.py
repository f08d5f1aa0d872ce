"""Every credential read through the vault is audited, as the narrowest actor known."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.vault.conftest import add_connection

from interlink.store import AsyncStore, Store
from interlink.vault import FileKeySource, Vault, VaultError, acting_for


def _reads(store: Store) -> list[tuple[str, str, str, str | None]]:
    return [
        (e.actor, e.target, e.outcome, e.tenant_id)
        for e in reversed(store.list_audit())
        if e.action == "credentials.read"
    ]


def test_each_read_is_audited_as_the_process(store: Store, key_file: Path) -> None:
    """`get` appends `credentials.read` for the connection's tenant, as the vault's actor;
    writing credentials is not a read."""
    add_connection(store, "conn_a")
    vault = Vault(store, FileKeySource(key_file), actor="cli")
    vault.put("conn_a", {"access_token": "secret-token-value"})
    assert _reads(store) == []
    vault.get("conn_a")
    vault.get("conn_a")
    assert _reads(store) == [("cli", "conn_a", "ok", "ten_vault")] * 2
    assert "secret-token-value" not in str(store.list_audit())


def test_the_named_actor_wins_over_the_context_and_the_process(
    sqlite_store: Store, key_file: Path
) -> None:
    """An actor given to `get` beats the context's (`acting_for`), which beats the vault's."""
    add_connection(sqlite_store, "conn_a")
    vault = Vault(sqlite_store, FileKeySource(key_file), actor="server")
    vault.put("conn_a", {"access_token": "t"})
    token = acting_for.set("api_key:key_1")
    try:
        vault.get("conn_a")
        vault.get("conn_a", actor="webhooks")
    finally:
        acting_for.reset(token)
    vault.get("conn_a")
    assert [actor for actor, *_ in _reads(sqlite_store)] == ["api_key:key_1", "webhooks", "server"]


async def test_the_context_crosses_to_the_store_thread(sqlite_store: Store, key_file: Path) -> None:
    """A read run on the async store's worker thread is audited as the awaiting task's actor."""
    add_connection(sqlite_store, "conn_a")
    vault = Vault(sqlite_store, FileKeySource(key_file), actor="server")
    vault.put("conn_a", {"access_token": "t"})
    astore = AsyncStore(sqlite_store)

    async def request() -> None:
        acting_for.set("api_key:key_2")
        await astore.call(vault.get, "conn_a")

    await asyncio.create_task(request())
    await astore.call(vault.get, "conn_a")
    assert [actor for actor, *_ in _reads(sqlite_store)] == ["api_key:key_2", "server"]


def test_a_failed_read_is_audited_as_failed(sqlite_store: Store, key_file: Path) -> None:
    """A connection without credentials is still a read attempt: audited `failed` with the
    error's kind, and the VaultError reaches the caller."""
    add_connection(sqlite_store, "conn_a")
    vault = Vault(sqlite_store, FileKeySource(key_file), actor="worker")
    with pytest.raises(VaultError, match="no stored credentials"):
        vault.get("conn_a")
    (entry,) = [e for e in sqlite_store.list_audit() if e.action == "credentials.read"]
    assert (entry.actor, entry.outcome, entry.detail) == ("worker", "failed",
                                                         {"error": "VaultError"})  # fmt: skip
