"""Key sources: the 0600 key file and the environment."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import orjson
import pytest

from interlink.vault import (
    KEYRING_FORMAT,
    EnvKeySource,
    FileKeySource,
    Key,
    VaultError,
    default_key_source,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_run_creates_the_key_file_with_mode_0600(tmp_path: Path) -> None:
    """create() writes a keyring file readable by its owner only, whatever the umask."""
    path = tmp_path / "nested" / "secret.key"
    source = FileKeySource(path)
    assert source.load() is None
    old_umask = os.umask(0)
    try:
        ring = source.create()
    finally:
        os.umask(old_umask)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert source.load() == ring
    document = orjson.loads(path.read_bytes())
    assert document["format"] == KEYRING_FORMAT
    assert document["current"]["id"] == ring.current.id
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no temp file left


def test_create_never_overwrites_an_existing_key_file(tmp_path: Path) -> None:
    """A second create() fails with VaultError and the first key stays as it was."""
    path = tmp_path / "secret.key"
    first = FileKeySource(path).create()
    before = path.read_bytes()
    with pytest.raises(VaultError, match="already exists; it was not overwritten"):
        FileKeySource(path).create()
    assert path.read_bytes() == before
    assert FileKeySource(path).load() == first


def test_concurrent_first_runs_agree_on_one_key(tmp_path: Path) -> None:
    """Of several processes creating the key at once, exactly one wins; none overwrites."""
    path = tmp_path / "secret.key"
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        try:
            outcomes.append(FileKeySource(path).create().current.id)
        except VaultError:
            outcomes.append("refused")

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if o != "refused"]
    assert len(winners) == 1
    ring = FileKeySource(path).load()
    assert ring is not None
    assert ring.current.id == winners[0]


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    """Group or world access bits make load() stop, naming the file, its mode and the fix."""
    path = tmp_path / "secret.key"
    FileKeySource(path).create()
    path.chmod(mode)
    with pytest.raises(VaultError) as caught:
        FileKeySource(path).load()
    message = str(caught.value)
    assert str(path) in message
    assert f"{mode:04o}" in message
    assert "chmod 600" in message


def _corruptions(valid: bytes) -> dict[str, bytes]:
    document = orjson.loads(valid)
    wrong_id = {**document, "current": {**document["current"], "id": "00000000"}}
    short_key = {**document, "current": {**document["current"], "key": "c2hvcnQ="}}
    return {
        "truncated": valid[: len(valid) // 2],
        "empty": b"",
        "garbage": b"\x00\xff\x10 not json",
        "wrong format": orjson.dumps({"format": "something-else"}),
        "id does not match key": orjson.dumps(wrong_id),
        "short key": orjson.dumps(short_key),
        "retired not a list": orjson.dumps({**document, "retired": "x"}),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "truncated",
        "empty",
        "garbage",
        "wrong format",
        "id does not match key",
        "short key",
        "retired not a list",
    ],
)
def test_a_corrupt_key_file_is_refused_and_left_untouched(tmp_path: Path, kind: str) -> None:
    """Every kind of corruption is a VaultError naming the file; the file is not rewritten."""
    path = tmp_path / "secret.key"
    source = FileKeySource(path)
    ring = source.create()
    corrupt = _corruptions(path.read_bytes())[kind]
    path.write_bytes(corrupt)
    path.chmod(0o600)
    with pytest.raises(VaultError) as caught:
        source.load()
    message = str(caught.value)
    assert str(path) in message
    assert "left untouched" in message
    assert ring.current.to_text() not in message
    assert path.read_bytes() == corrupt


def test_update_replaces_the_keyring_atomically_keeping_0600(tmp_path: Path) -> None:
    """A rotated keyring replaces the file whole, mode still 0600, no temp files left."""
    path = tmp_path / "secret.key"
    source = FileKeySource(path)
    ring = source.create()
    new = Key.generate()
    stored = source.update(lambda latest: latest.rotated(new))
    assert stored.ids == (new.id, ring.current.id)
    loaded = source.load()
    assert loaded is not None
    assert loaded.ids == stored.ids
    assert _mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]


def test_concurrent_updates_compose(tmp_path: Path) -> None:
    """Sixteen writers adding a key each at once: every key ends up in the file."""
    path = tmp_path / "secret.key"
    first = FileKeySource(path).create()
    keys = [Key.generate() for _ in range(16)]
    barrier = threading.Barrier(len(keys))

    def add(key: Key) -> None:
        barrier.wait()
        FileKeySource(path).update(lambda latest: latest.rotated(key))

    threads = [threading.Thread(target=add, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ring = FileKeySource(path).load()
    assert ring is not None
    assert set(ring.ids) == {first.current.id, *(key.id for key in keys)}


def test_update_of_a_missing_or_corrupt_file_writes_nothing(tmp_path: Path) -> None:
    """update() needs an existing, valid keyring; otherwise VaultError and no file change."""
    path = tmp_path / "secret.key"
    with pytest.raises(VaultError, match="does not exist"):
        FileKeySource(path).update(lambda latest: latest)
    assert not path.exists()
    FileKeySource(path).create()
    path.write_bytes(b"{}")
    with pytest.raises(VaultError, match="is corrupt"):
        FileKeySource(path).update(lambda latest: latest.rotated(Key.generate()))
    assert path.read_bytes() == b"{}"


def test_env_source_reads_current_and_retired_keys() -> None:
    """INTERLINK_SECRET_KEY is current; INTERLINK_SECRET_KEY_RETIRED adds older keys."""
    new, old = Key.generate(), Key.generate()
    environ = {
        "INTERLINK_SECRET_KEY": new.to_text(),
        "INTERLINK_SECRET_KEY_RETIRED": f" {old.to_text()} ,{new.to_text()}",
    }
    ring = EnvKeySource(environ).load()
    assert ring is not None
    assert ring.ids == (new.id, old.id)


def test_env_source_with_a_bad_value_names_the_variable_only() -> None:
    """A wrong-length key in the environment names the variable and never echoes the value."""
    value = "dG9vLXNob3J0LWJ1dC1zZWNyZXQ"
    with pytest.raises(VaultError, match="INTERLINK_SECRET_KEY decodes to 20 bytes") as caught:
        EnvKeySource({"INTERLINK_SECRET_KEY": value}).load()
    assert value not in str(caught.value)
    with pytest.raises(VaultError, match=r"INTERLINK_SECRET_KEY_RETIRED \(entry 1\)"):
        EnvKeySource(
            {"INTERLINK_SECRET_KEY": Key.generate().to_text(), "INTERLINK_SECRET_KEY_RETIRED": "x"}
        ).load()


def test_env_source_cannot_be_written() -> None:
    """Creating or saving keys in the environment is refused with what to do instead."""
    source = EnvKeySource({})
    assert source.load() is None
    with pytest.raises(VaultError, match="INTERLINK_SECRET_KEY is not set"):
        source.create()
    with pytest.raises(VaultError, match="INTERLINK_SECRET_KEY_RETIRED to the old one"):
        source.update(lambda latest: latest.rotated(Key.generate()))


def test_default_source_prefers_the_environment(tmp_path: Path) -> None:
    """With INTERLINK_SECRET_KEY set the environment is used, otherwise the key file."""
    key_file = tmp_path / "secret.key"
    env = {"INTERLINK_SECRET_KEY": Key.generate().to_text()}
    assert isinstance(default_key_source(key_file, env), EnvKeySource)
    file_source = default_key_source(key_file, {})
    assert isinstance(file_source, FileKeySource)
    assert file_source.path == key_file


def test_default_key_file_matches_the_settings_default() -> None:
    """Without arguments the key file is the settings' default, ./.interlink/secret.key."""
    from interlink.settings import Settings
    from interlink.vault import DEFAULT_KEY_FILE

    source = default_key_source(environ={})
    assert isinstance(source, FileKeySource)
    assert source.path == DEFAULT_KEY_FILE == Settings.model_fields["key_file"].default


def test_pinned_reads_the_latest_keyring_or_none(tmp_path: Path) -> None:
    """pinned() yields the current keyring (None without a file or its directory)."""
    path = tmp_path / "missing-dir" / "secret.key"
    with FileKeySource(path).pinned() as nothing:
        assert nothing is None
    ring = FileKeySource(path).create()
    with FileKeySource(path).pinned() as pinned:
        assert pinned == ring
    environ = {"INTERLINK_SECRET_KEY": Key.generate().to_text()}
    with EnvKeySource(environ).pinned() as from_env:
        assert from_env == EnvKeySource(environ).load()


def test_a_symlinked_key_file_is_read_and_its_target_mode_checked(tmp_path: Path) -> None:
    """A key file mounted through a symlink (Kubernetes secrets) works; its target's mode counts."""
    target = tmp_path / "..data" / "secret.key"
    ring = FileKeySource(target).create()
    link = tmp_path / "secret.key"
    link.symlink_to(target)
    assert FileKeySource(link).load() == ring
    target.chmod(0o644)
    with pytest.raises(VaultError, match="mode 0644"):
        FileKeySource(link).load()


def test_a_directory_or_a_huge_file_is_not_taken_for_a_key_file(tmp_path: Path) -> None:
    """--key-file pointing at a folder or a large unrelated file is refused, naming it."""
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700)
    with pytest.raises(VaultError, match="is not a regular file"):
        FileKeySource(folder).load()
    big = tmp_path / "backup.tar"
    big.write_bytes(b"\0" * (2 << 20))
    big.chmod(0o600)
    with pytest.raises(VaultError, match="far more than a keyring"):
        FileKeySource(big).load()
