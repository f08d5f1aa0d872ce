"""Key rotation: everything re-sealed, readers unaffected, concurrent writes kept."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from tests.vault.conftest import add_connection

import interlink.vault._rotation as rotation_module
import interlink.vault._vault as vault_module
from interlink.store import EncryptedCredential, Store
from interlink.vault import EnvKeySource, FileKeySource, Key, RotationReport, Vault, VaultError


def _vault_with(store: Store, key_file: Path, count: int) -> Vault:
    vault = Vault(store, FileKeySource(key_file))
    for i in range(count):
        add_connection(store, f"conn_{i:03d}")
        vault.put(f"conn_{i:03d}", {"token": f"token-{i}"})
    return vault


def test_rotation_reencrypts_everything_under_the_new_key(store: Store, key_file: Path) -> None:
    """After rotate(), every credential is sealed with the new key and still opens."""
    vault = _vault_with(store, key_file, 12)
    old_id = vault.keyring.current.id
    new = Key.generate()
    report = vault.rotate(new)
    assert report.previous_key_id == old_id
    assert report.current_key_id == new.id
    assert (report.reencrypted, report.already_current, report.changed_meanwhile) == (12, 0, 0)
    assert report.by_key == {new.id: 12}
    assert report.complete
    assert report.retired_key_ids == (old_id,)
    assert {row.key_id for row in store.list_credentials()} == {new.id}
    fresh = Vault(store, FileKeySource(key_file))
    assert [fresh.get(f"conn_{i:03d}") for i in range(12)] == [
        {"token": f"token-{i}"} for i in range(12)
    ]


def test_the_key_file_is_saved_before_any_blob_changes(sqlite_store: Store, key_file: Path) -> None:
    """If re-encryption breaks off, the key file already holds both keys: nothing is unreadable."""
    vault = _vault_with(sqlite_store, key_file, 3)
    old_id = vault.keyring.current.id

    class BrokenError(Exception):
        pass

    def fail(*args: object, **kwargs: object) -> int:
        raise BrokenError

    original = sqlite_store.replace_credentials
    sqlite_store.replace_credentials = fail  # type: ignore[method-assign]
    new = Key.generate()
    with pytest.raises(BrokenError):
        vault.rotate(new)
    sqlite_store.replace_credentials = original  # type: ignore[method-assign]
    ring = FileKeySource(key_file).load()
    assert ring is not None
    assert ring.ids == (new.id, old_id)
    assert Vault(sqlite_store, FileKeySource(key_file)).get("conn_001") == {"token": "token-1"}
    report = vault.rotate()  # run again: finishes the pass under the same new key
    assert report.reencrypted == 3
    assert report.by_key == {new.id: 3}


class _Interleaved:
    """The real store, with a hook run between the rotation's read and its swap."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.between: list[object] = []
        self.hook: object = None

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def replace_credentials(
        self,
        rows: Sequence[EncryptedCredential],
        *,
        expected_key_ids: Mapping[str, str],
        expected_blobs: Mapping[str, bytes] | None = None,
    ) -> int:
        if callable(self.hook):
            self.hook()
            self.hook = None
        return self.store.replace_credentials(
            rows, expected_key_ids=expected_key_ids, expected_blobs=expected_blobs
        )


def test_readers_keep_working_mid_rotation(sqlite_store: Store, key_file: Path) -> None:
    """Between the new key's save and the re-encryption, another process opens old blobs."""
    _vault_with(sqlite_store, key_file, 4)
    reader = Vault(sqlite_store, FileKeySource(key_file))  # loaded before the rotation
    wrapped = _Interleaved(sqlite_store)
    seen: list[dict[str, str]] = []
    wrapped.hook = lambda: seen.extend(
        Vault(sqlite_store, FileKeySource(key_file)).get(f"conn_{i:03d}") for i in range(4)
    )
    rotator = Vault(wrapped, FileKeySource(key_file))  # type: ignore[arg-type]
    rotator.rotate(Key.generate())
    assert seen == [{"token": f"token-{i}"} for i in range(4)]
    # A reader holding the pre-rotation keyring meets the new key id and reloads.
    assert reader.get("conn_002") == {"token": "token-2"}
    assert reader.keyring.current.id == rotator.keyring.current.id


def test_a_concurrent_put_during_rotation_is_kept(sqlite_store: Store, key_file: Path) -> None:
    """A credential written between the rotation's read and its swap is not overwritten."""
    _vault_with(sqlite_store, key_file, 3)
    writer = Vault(sqlite_store, FileKeySource(key_file))  # another process, loaded before
    wrapped = _Interleaved(sqlite_store)
    wrapped.hook = lambda: writer.put("conn_001", {"token": "refreshed-during-rotation"})
    report = Vault(wrapped, FileKeySource(key_file)).rotate(Key.generate())  # type: ignore[arg-type]
    assert report.changed_meanwhile == 1
    assert report.reencrypted == 2
    assert report.complete
    fresh = Vault(sqlite_store, FileKeySource(key_file))
    assert fresh.get("conn_001") == {"token": "refreshed-during-rotation"}
    assert fresh.get("conn_002") == {"token": "token-2"}


def test_drop_retired_only_after_a_complete_pass(sqlite_store: Store, key_file: Path) -> None:
    """Retired keys are dropped when nothing needs them, and kept while something does."""
    vault = _vault_with(sqlite_store, key_file, 2)
    old_ring = vault.keyring
    report = vault.rotate(Key.generate(), drop_retired=True)
    assert report.dropped_key_ids == old_ring.ids
    ring = FileKeySource(key_file).load()
    assert ring is not None
    assert ring.retired == ()
    assert vault.get("conn_000") == {"token": "token-0"}


def test_drop_retired_refused_while_a_blob_needs_a_retired_key(
    sqlite_store: Store, key_file: Path
) -> None:
    """A credential no key opens is left untouched and the retired keys are kept."""
    vault = _vault_with(sqlite_store, key_file, 2)
    other_key = FileKeySource(key_file.with_name("other.key"))
    other_key.create()
    stray = Vault(sqlite_store, other_key)
    add_connection(sqlite_store, "conn_stray")
    stray.put("conn_stray", {"token": "sealed-elsewhere"})
    stray_row = sqlite_store.get_credential("conn_stray")
    report = vault.rotate(Key.generate(), drop_retired=True)
    assert report.unreadable == ("conn_stray",)
    assert report.drop_refused is not None
    assert "kept" in report.drop_refused
    assert not report.complete
    assert len(report.retired_key_ids) == 1
    assert sqlite_store.get_credential("conn_stray") == stray_row


def test_env_keys_cannot_be_rotated_in_place(sqlite_store: Store) -> None:
    """With INTERLINK_SECRET_KEY, adding a key is refused before any blob changes."""
    old, new = Key.generate(), Key.generate()
    add_connection(sqlite_store, "conn_a")
    Vault(sqlite_store, EnvKeySource({"INTERLINK_SECRET_KEY": old.to_text()})).put(
        "conn_a", {"token": "t"}
    )
    before = sqlite_store.list_credentials()
    with pytest.raises(VaultError, match="INTERLINK_SECRET_KEY_RETIRED"):
        Vault(sqlite_store, EnvKeySource({"INTERLINK_SECRET_KEY": old.to_text()})).rotate(new)
    assert sqlite_store.list_credentials() == before
    # The operator's way: new key current, old retired, then re-encrypt in place.
    environ = {"INTERLINK_SECRET_KEY": new.to_text(), "INTERLINK_SECRET_KEY_RETIRED": old.to_text()}
    report = Vault(sqlite_store, EnvKeySource(environ)).rotate()
    assert report.previous_key_id is None
    assert report.by_key == {new.id: 1}
    assert report.reencrypted == 1


def test_concurrent_rotations_lose_no_key(sqlite_store: Store, key_file: Path) -> None:
    """Four processes rotating at once: every new key is kept and every credential opens."""
    _vault_with(sqlite_store, key_file, 6)
    vaults = [Vault(sqlite_store, FileKeySource(key_file)) for _ in range(4)]
    keys = [Key.generate() for _ in vaults]
    barrier = threading.Barrier(len(vaults))
    errors: list[BaseException] = []
    reports: list[RotationReport] = []

    def run(vault: Vault, key: Key) -> None:
        barrier.wait()
        try:
            reports.append(vault.rotate(key))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(vaults, keys, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [report.unreadable for report in reports] == [()] * len(vaults)
    fresh = Vault(sqlite_store, FileKeySource(key_file))
    assert {key.id for key in keys} <= set(fresh.keyring.ids)
    assert [fresh.get(f"conn_{i:03d}") for i in range(6)] == [
        {"token": f"token-{i}"} for i in range(6)
    ]
    report = fresh.rotate(drop_retired=True)
    assert report.complete
    assert fresh.keyring.ids == (fresh.keyring.current.id,)
    assert fresh.get("conn_005") == {"token": "token-5"}


class _Choreographed:
    """The real store; each method may first run a hook (to force one interleaving)."""

    def __init__(self, store: Store, **hooks: Callable[[], None]) -> None:
        self.store = store
        self.hooks = hooks

    def __getattr__(self, name: str) -> object:
        method = getattr(self.store, name)
        hook = self.hooks.get(name)
        if hook is None:
            return method

        def hooked(*args: object, **kwargs: object) -> object:
            result = method(*args, **kwargs) if name == "list_credentials" else None
            hook()
            return result if name == "list_credentials" else method(*args, **kwargs)

        return hooked


@pytest.mark.parametrize("locks", ["process lock and key file lock", "key file lock only"])
def test_a_put_racing_the_key_change_is_kept(
    sqlite_store: Store, key_file: Path, locks: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A put that read the keyring just before a rotation's key change is not overwritten."""
    # Forced interleaving: the put has read the old keyring and waits (up to a second) for
    # the rotation to list the credentials; the rotation's swap waits for the put to finish.
    # Without the locks, the swap would replace the put's value (same key id). With the
    # key file's lock only, it holds as it does between two processes on one host.
    if locks == "key file lock only":
        monkeypatch.setattr(vault_module, "KEYRING_WRITE_LOCK", contextlib.nullcontext())
        monkeypatch.setattr(rotation_module, "KEYRING_WRITE_LOCK", contextlib.nullcontext())
    _vault_with(sqlite_store, key_file, 2)
    in_window, listed, written = threading.Event(), threading.Event(), threading.Event()

    def hold_the_write() -> None:
        in_window.set()
        listed.wait(timeout=1.0)

    writer = Vault(
        _Choreographed(sqlite_store, put_credential=hold_the_write), FileKeySource(key_file)
    )  # type: ignore[arg-type]
    rotator = Vault(
        _Choreographed(  # type: ignore[arg-type]
            sqlite_store,
            list_credentials=listed.set,
            replace_credentials=lambda: written.wait(timeout=1.0) and None,
        ),
        FileKeySource(key_file),
    )

    def put() -> None:
        writer.put("conn_001", {"token": "written-during-rotation"})
        written.set()

    put_thread = threading.Thread(target=put)
    put_thread.start()
    assert in_window.wait(timeout=5.0)
    rotate_thread = threading.Thread(target=rotator.rotate, args=(Key.generate(),))
    rotate_thread.start()
    put_thread.join()
    rotate_thread.join()
    fresh = Vault(sqlite_store, FileKeySource(key_file))
    assert fresh.get("conn_001") == {"token": "written-during-rotation"}
    assert fresh.get("conn_000") == {"token": "token-0"}


def test_blobs_resealed_by_a_newer_rotation_count_as_current(
    sqlite_store: Store, key_file: Path
) -> None:
    """A rotation that meets blobs under a key added after its own reads them as done."""
    _vault_with(sqlite_store, key_file, 3)
    later = Key.generate()
    other = Vault(sqlite_store, FileKeySource(key_file))
    hooks = {"list_credentials": lambda: other.rotate(later)}

    class BeforeList:
        def __getattr__(self, name: str) -> object:
            return getattr(sqlite_store, name)

        def list_credentials(self) -> list[EncryptedCredential]:
            hook = hooks.pop("list_credentials", None)
            if hook is not None:
                hook()  # the other rotation adds its key and re-seals everything first
            return sqlite_store.list_credentials()

    report = Vault(BeforeList(), FileKeySource(key_file)).rotate(Key.generate())  # type: ignore[arg-type]
    assert report.unreadable == ()
    assert report.already_current == 3
    assert report.reencrypted == 0
    assert Vault(sqlite_store, FileKeySource(key_file)).keyring.current.id == later.id


def test_rotation_reports_progress_until_done(
    sqlite_store: Store, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """progress(done, total) rises through the pass and ends at (total, total)."""
    monkeypatch.setattr(rotation_module, "BATCH", 4)
    vault = _vault_with(sqlite_store, key_file, 10)
    calls: list[tuple[int, int]] = []
    vault.rotate(Key.generate(), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(4, 10), (8, 10), (10, 10)]
