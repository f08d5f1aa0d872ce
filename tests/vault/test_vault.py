"""The vault over a real store: round trips, bindings, missing and corrupt keys."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from tests.vault.conftest import add_connection

from interlink.store import Store
from interlink.vault import FileKeySource, Key, Vault, VaultError, blob_key_id


def test_round_trip_through_the_store(store: Store, key_file: Path) -> None:
    """Credentials put through the vault come back equal; the store holds only a blob."""
    add_connection(store, "conn_a")
    vault = Vault(store, FileKeySource(key_file))
    vault.put("conn_a", {"client_id": "cid", "client_secret": "s3cr3t-value"})
    assert vault.get("conn_a") == {"client_id": "cid", "client_secret": "s3cr3t-value"}
    row = store.get_credential("conn_a")
    assert row is not None
    assert row.key_id == vault.keyring.current.id == blob_key_id(row.blob, what="b")
    assert b"s3cr3t-value" not in row.blob


def test_first_vault_creates_the_key_file(sqlite_store: Store, key_file: Path) -> None:
    """With no key and no credentials, the vault creates a 0600 key file."""
    vault = Vault(sqlite_store, FileKeySource(key_file))
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Vault(sqlite_store, FileKeySource(key_file)).keyring == vault.keyring


def test_a_blob_moved_to_another_connection_does_not_open(
    sqlite_store: Store, key_file: Path
) -> None:
    """Copying one connection's blob onto another's row fails with VaultError naming it."""
    add_connection(sqlite_store, "conn_a")
    add_connection(sqlite_store, "conn_b")
    vault = Vault(sqlite_store, FileKeySource(key_file))
    vault.put("conn_a", {"token": "a-token"})
    row = sqlite_store.get_credential("conn_a")
    assert row is not None
    sqlite_store.put_credential("conn_b", row.key_id, row.blob)
    with pytest.raises(VaultError, match=r"connection 'conn_b'.*does not decrypt"):
        vault.get("conn_b")
    with pytest.raises(VaultError, match="does not decrypt"):
        vault.open("conn_b", vault.seal("conn_a", {"token": "x"}))


def test_a_tampered_blob_is_refused(sqlite_store: Store, key_file: Path) -> None:
    """A blob altered in the store is a VaultError, never other credentials."""
    add_connection(sqlite_store, "conn_a")
    vault = Vault(sqlite_store, FileKeySource(key_file))
    vault.put("conn_a", {"token": "a-token"})
    row = sqlite_store.get_credential("conn_a")
    assert row is not None
    tampered = bytearray(row.blob)
    tampered[-20] ^= 0x80
    sqlite_store.put_credential("conn_a", row.key_id, bytes(tampered))
    with pytest.raises(VaultError, match="does not decrypt"):
        vault.get("conn_a")


def test_no_credentials_is_a_clear_error(sqlite_store: Store, key_file: Path) -> None:
    """get() for a connection without stored credentials names the connection."""
    vault = Vault(sqlite_store, FileKeySource(key_file))
    with pytest.raises(VaultError, match="connection 'nope' has no stored credentials"):
        vault.get("nope")


def test_values_must_be_strings(sqlite_store: Store, key_file: Path) -> None:
    """A non-string value is refused naming the field, before anything is stored."""
    add_connection(sqlite_store, "conn_a")
    vault = Vault(sqlite_store, FileKeySource(key_file))
    with pytest.raises(VaultError, match="field 'port' must map a string to a string"):
        vault.put("conn_a", {"port": 443})  # type: ignore[dict-item]
    assert sqlite_store.get_credential("conn_a") is None


def test_missing_key_file_with_credentials_stops_and_creates_nothing(
    store: Store, key_file: Path
) -> None:
    """Credentials exist, the key file is gone: VaultError, no new key file, data untouched."""
    add_connection(store, "conn_a")
    Vault(store, FileKeySource(key_file)).put("conn_a", {"token": "t"})
    before = store.list_credentials()
    key_file.unlink()
    with pytest.raises(VaultError) as caught:
        Vault(store, FileKeySource(key_file))
    message = str(caught.value)
    assert str(key_file) in message
    assert "holds 1 encrypted credential" in message
    assert before[0].key_id in message
    assert not key_file.exists()
    assert store.list_credentials() == before


def test_corrupt_key_file_stops_and_leaves_everything(sqlite_store: Store, key_file: Path) -> None:
    """A truncated key file is a VaultError; the file and the stored blobs are not changed."""
    add_connection(sqlite_store, "conn_a")
    Vault(sqlite_store, FileKeySource(key_file)).put("conn_a", {"token": "t"})
    before = sqlite_store.list_credentials()
    truncated = key_file.read_bytes()[:40]
    key_file.write_bytes(truncated)
    with pytest.raises(VaultError, match="is corrupt"):
        Vault(sqlite_store, FileKeySource(key_file))
    assert key_file.read_bytes() == truncated
    assert sqlite_store.list_credentials() == before


def test_a_key_file_replaced_by_another_key_does_not_open_old_blobs(
    sqlite_store: Store, key_file: Path
) -> None:
    """With the wrong key, get() says which key id sealed the blob; nothing is rewritten."""
    add_connection(sqlite_store, "conn_a")
    vault = Vault(sqlite_store, FileKeySource(key_file))
    vault.put("conn_a", {"token": "t"})
    old_id = vault.keyring.current.id
    key_file.unlink()
    other = FileKeySource(key_file)
    other.create()
    with pytest.raises(VaultError, match=f"sealed with key {old_id}, which is not in the keyring"):
        Vault(sqlite_store, other).get("conn_a")
    row = sqlite_store.get_credential("conn_a")
    assert row is not None
    assert row.key_id == old_id


def test_vault_cipher_fits_the_token_store_protocol(sqlite_store: Store, key_file: Path) -> None:
    """vault.cipher() round-trips bytes, survives rotation, and is bound to its purpose."""
    vault = Vault(sqlite_store, FileKeySource(key_file))
    tokens = vault.cipher("redis-tokens")
    sealed = tokens.encrypt(b'{"access_token": "x"}')
    vault.rotate(Key.generate())
    assert tokens.decrypt(sealed) == b'{"access_token": "x"}'
    with pytest.raises(VaultError, match="does not decrypt"):
        vault.cipher("other").decrypt(sealed)


def test_vaults_starting_together_on_a_fresh_install_share_one_key(
    sqlite_store: Store, key_file: Path
) -> None:
    """Eight vaults created at once with no key yet all start, on the same new key."""
    barrier = threading.Barrier(8)
    keyrings: list[object] = []
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            keyrings.append(Vault(sqlite_store, FileKeySource(key_file)).keyring)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(keyrings) == 8
    assert all(ring == keyrings[0] for ring in keyrings)
