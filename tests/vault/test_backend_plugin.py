"""A third secret backend (an in-memory secret manager) plugged in through `SecretBackend`.

Everything the vault promises with a key file holds through the interface alone:
first key created there, credentials round-trip, rotation re-seals under a key the
backend then holds, and a missing or corrupt secret stops the vault without writing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest
from tests.vault.conftest import add_connection

from interlink.store import Store
from interlink.vault import Key, SecretBackend, SecretKeySource, Vault, VaultError


class MemorySecret:
    """A secret manager's one secret, kept as a list of versions (newest last)."""

    def __init__(self, name: str) -> None:
        self.location = f"secret manager entry {name}"
        self.versions: list[bytes] = []
        self._lock = threading.RLock()  # what the manager's compare-and-swap would guard

    def read(self) -> bytes | None:
        return self.versions[-1] if self.versions else None

    def create(self, data: bytes) -> None:
        with self._lock:
            if self.versions:
                raise VaultError(f"{self.location} already exists; it was not overwritten")
            self.versions.append(data)

    def update(self, change: Callable[[bytes], bytes]) -> None:
        with self._lock:
            if not self.versions:
                raise VaultError(f"{self.location} does not exist; there is nothing to update")
            self.versions.append(change(self.versions[-1]))

    @contextmanager
    def pinned(self) -> Iterator[bytes | None]:
        with self._lock:
            yield self.read()


def keyring_document(data: bytes) -> dict[str, object]:
    document: dict[str, object] = orjson.loads(data)
    return document


@pytest.fixture
def secret() -> MemorySecret:
    """An empty in-memory secret."""
    return MemorySecret("interlink/keyring")


def test_the_memory_backend_satisfies_the_interface(secret: MemorySecret) -> None:
    """It is a `SecretBackend` by shape alone: no base class, no registration."""
    backend: SecretBackend = secret  # mypy checks the shape; the source needs nothing more
    assert SecretKeySource(backend).location == "secret manager entry interlink/keyring"


def test_first_vault_creates_its_key_in_the_backend_and_credentials_round_trip(
    store: Store, secret: MemorySecret, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first key lands in the backend (no key file anywhere); another vault on the same
    backend opens what the first sealed."""
    monkeypatch.chdir(tmp_path)
    add_connection(store, "conn_a")
    vault = Vault(store, SecretKeySource(secret))
    vault.put("conn_a", {"access_token": "tok-a", "refresh_token": "ref-a"})
    assert len(secret.versions) == 1
    current = keyring_document(secret.versions[0])["current"]
    assert isinstance(current, dict)
    assert current["id"] == vault.keyring.current.id
    assert list(tmp_path.rglob("*.key")) == []
    assert not (tmp_path / ".interlink").exists()  # the default key file's folder
    again = Vault(store, SecretKeySource(secret))
    assert again.get("conn_a") == {"access_token": "tok-a", "refresh_token": "ref-a"}
    assert len(secret.versions) == 1  # loaded, not created again


def test_rotation_writes_the_new_keyring_to_the_backend_and_reseals_everything(
    store: Store, secret: MemorySecret
) -> None:
    """rotate() stores {new current, old retired} in the backend before re-sealing; every
    credential then opens with a vault reading the backend afresh; drop_retired forgets the
    old key there too."""
    vault = Vault(store, SecretKeySource(secret))
    for i in range(5):
        add_connection(store, f"conn_{i}")
        vault.put(f"conn_{i}", {"token": f"t{i}"})
    old_id = vault.keyring.current.id
    new = Key.generate()
    report = vault.rotate(new)
    assert (report.reencrypted, report.complete) == (5, True)
    latest = keyring_document(secret.versions[-1])
    assert latest["current"] == {"id": new.id, "key": new.to_text()}
    assert latest["retired"] == [{"id": old_id, "key": vault.keyring.get(old_id).to_text()}]  # type: ignore[union-attr]
    assert {row.key_id for row in store.list_credentials()} == {new.id}
    fresh = Vault(store, SecretKeySource(secret))
    assert [fresh.get(f"conn_{i}") for i in range(5)] == [{"token": f"t{i}"} for i in range(5)]
    vault.rotate(new, drop_retired=True)
    assert keyring_document(secret.versions[-1])["retired"] == []


def test_a_missing_secret_with_stored_credentials_stops_and_creates_nothing(
    store: Store, secret: MemorySecret
) -> None:
    """The backend lost its secret while credentials exist: VaultError naming the backend's
    location and the key id; no new key is created; the credentials are untouched."""
    add_connection(store, "conn_a")
    Vault(store, SecretKeySource(secret)).put("conn_a", {"token": "t"})
    before = store.list_credentials()
    secret.versions.clear()
    with pytest.raises(VaultError) as caught:
        Vault(store, SecretKeySource(secret))
    message = str(caught.value)
    assert "no key found at secret manager entry interlink/keyring" in message
    assert before[0].key_id in message
    assert secret.versions == []
    assert store.list_credentials() == before


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(b"not json at all", id="not-json"),
        pytest.param(b'{"format": "something-else/9"}', id="wrong-format"),
    ],
)
def test_a_corrupt_secret_is_refused_and_never_overwritten(
    sqlite_store: Store, secret: MemorySecret, corrupt: bytes
) -> None:
    """A corrupt keyring in the backend stops the vault and a rotation with a message naming
    the backend; no version is written over it, and the sealed credentials stay as they were."""
    add_connection(sqlite_store, "conn_a")
    vault = Vault(sqlite_store, SecretKeySource(secret))
    vault.put("conn_a", {"token": "t"})
    before = sqlite_store.list_credentials()
    secret.versions.append(corrupt)
    with pytest.raises(VaultError, match="secret manager entry interlink/keyring is corrupt"):
        Vault(sqlite_store, SecretKeySource(secret))
    with pytest.raises(VaultError, match="is corrupt"):
        vault.rotate(Key.generate())
    with pytest.raises(VaultError, match="is corrupt"):
        vault.put("conn_a", {"token": "new"})
    assert secret.versions[-1] == corrupt
    assert len(secret.versions) == 2
    assert sqlite_store.list_credentials() == before


def test_a_key_swapped_in_the_backend_is_refused_without_echoing_it(
    sqlite_store: Store, secret: MemorySecret
) -> None:
    """A keyring whose key no longer matches its id is refused; neither key's text appears
    in the message."""
    Vault(sqlite_store, SecretKeySource(secret))
    document = keyring_document(secret.versions[0])
    current = document["current"]
    assert isinstance(current, dict)
    key_text = str(current["key"])
    # Another valid key under the old id: what a hand edit or a bad copy leaves behind.
    document["current"] = {"id": current["id"], "key": Key.generate().to_text()}
    secret.versions.append(orjson.dumps(document))
    with pytest.raises(VaultError, match="its id does not match its key") as caught:
        Vault(sqlite_store, SecretKeySource(secret))
    assert key_text not in str(caught.value)
    assert str(document["current"]["key"]) not in str(caught.value)  # type: ignore[index]
