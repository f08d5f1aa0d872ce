"""`interlink vault status | rotate-key | new-key`, end to end through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.vault.conftest import add_connection
from typer.testing import CliRunner

from interlink.cli import app
from interlink.store import open_store
from interlink.vault import EnvKeySource, FileKeySource, Key, Vault

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The commands see only what each test gives them."""
    for name in ("INTERLINK_SECRET_KEY", "INTERLINK_SECRET_KEY_RETIRED", "INTERLINK_SETTINGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _populate(url: str, key_file: Path, count: int) -> str:
    with open_store(url) as store:
        vault = Vault(store, FileKeySource(key_file))
        for i in range(count):
            add_connection(store, f"conn_{i}")
            vault.put(f"conn_{i}", {"api_key": f"key-{i}"})
        return vault.keyring.current.id


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["vault", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_rotate_key_end_to_end(tmp_path: Path) -> None:
    """rotate-key re-encrypts every credential under a new key; status and a reload agree."""
    url, key_file = f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "secret.key"
    old_id = _populate(url, key_file, 5)
    common = ["--database", url, "--key-file", str(key_file)]

    code, out, _ = _invoke("status", *common, "--json")
    assert code == 0
    assert json.loads(out)["credentials_by_key"] == {old_id: 5}

    code, out, err = _invoke("rotate-key", *common, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["previous_key_id"] == old_id
    assert report["reencrypted"] == 5
    assert report["complete"] is True
    new_id = report["current_key_id"]
    assert report["credentials_by_key"] == {new_id: 5}
    assert report["retired_key_ids"] == [old_id]

    code, out, _ = _invoke("status", *common)
    assert code == 0
    assert new_id in out
    assert "retired" in out

    code, out, _ = _invoke("rotate-key", *common, "--drop-retired", "--json")
    assert code == 0
    assert old_id in json.loads(out)["dropped_key_ids"]
    with open_store(url) as store:
        vault = Vault(store, FileKeySource(key_file))
        assert vault.keyring.retired == ()
        assert [vault.get(f"conn_{i}") for i in range(5)] == [
            {"api_key": f"key-{i}"} for i in range(5)
        ]


def test_rotate_key_prints_a_summary(tmp_path: Path) -> None:
    """Without --json the rotation prints a table of what it did."""
    url, key_file = f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "secret.key"
    old_id = _populate(url, key_file, 2)
    code, out, _ = _invoke("rotate-key", "--database", url, "--key-file", str(key_file))
    assert code == 0
    assert "key rotation" in out
    assert f"(was {old_id})" in out
    assert "re-encrypted" in out


def test_corrupt_key_file_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    """A corrupt key file: exit 1, one clear line on stderr, the file and blobs unchanged."""
    url, key_file = f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "secret.key"
    _populate(url, key_file, 2)
    key_file.write_bytes(b'{"format": "interlink-keyring/1", "curr')
    with open_store(url) as store:
        before = store.list_credentials()
    code, out, err = _invoke("rotate-key", "--database", url, "--key-file", str(key_file))
    assert code == 1
    assert out == ""
    assert err.startswith("error: ")
    assert len(err.strip().splitlines()) == 1
    assert str(key_file) in err
    assert "corrupt" in err
    assert key_file.read_bytes() == b'{"format": "interlink-keyring/1", "curr'
    with open_store(url) as store:
        assert store.list_credentials() == before


def test_missing_key_file_with_credentials_exits_and_writes_no_key(tmp_path: Path) -> None:
    """rotate-key refuses to start a new key when stored credentials need the lost one."""
    url, key_file = f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "secret.key"
    _populate(url, key_file, 1)
    key_file.unlink()
    code, _, err = _invoke("rotate-key", "--database", url, "--key-file", str(key_file))
    assert code == 1
    assert "no new key was created" in err
    assert not key_file.exists()


def test_unreachable_database_is_a_one_line_error(tmp_path: Path) -> None:
    """A store that cannot be opened exits 1 with the redacted URL, no traceback."""
    url = "postgresql://user:hunter2@127.0.0.1:1/nowhere"
    code, _, err = _invoke("status", "--database", url, "--key-file", str(tmp_path / "k"))
    assert code == 1
    assert err.startswith("error: ")
    assert "hunter2" not in err
    assert "Traceback" not in err


def test_status_flags_credentials_no_key_opens(tmp_path: Path) -> None:
    """status exits 1 when the store holds credentials under a key id the keyring lacks."""
    url, key_file = f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "secret.key"
    old_id = _populate(url, key_file, 1)
    key_file.unlink()
    FileKeySource(key_file).create()
    code, out, err = _invoke("status", "--database", url, "--key-file", str(key_file))
    assert code == 1
    assert old_id in out
    assert "not in keyring" in out
    assert old_id in err


def test_env_key_rotation_reencrypts_under_the_variable(tmp_path: Path) -> None:
    """With INTERLINK_SECRET_KEY, rotate-key generates nothing and re-seals under that key."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    old, new = Key.generate(), Key.generate()
    code, _, err = _invoke("status", "--database", url, env={"INTERLINK_SECRET_KEY": old.to_text()})
    assert code == 0, err
    with open_store(url) as store:
        add_connection(store, "conn_env")
        Vault(store, EnvKeySource({"INTERLINK_SECRET_KEY": old.to_text()})).put(
            "conn_env", {"token": "t"}
        )
    env = {"INTERLINK_SECRET_KEY": new.to_text(), "INTERLINK_SECRET_KEY_RETIRED": old.to_text()}
    code, out, err = _invoke("rotate-key", "--database", url, "--json", env=env)
    assert code == 0, err
    report = json.loads(out)
    assert report["keys"] == "INTERLINK_SECRET_KEY"
    assert report["previous_key_id"] is None
    assert report["credentials_by_key"] == {new.id: 1}
    assert not (tmp_path / ".interlink" / "secret.key").exists()


def test_new_key_prints_a_usable_key() -> None:
    """new-key prints 32 random bytes as URL-safe base64, different each time."""
    first = _invoke("new-key")[1].strip()
    second = _invoke("new-key")[1].strip()
    assert first != second
    assert Key.from_text(first, where="new-key").to_text() == first


def test_unreadable_credentials_fail_the_rotation_and_keep_the_keys(tmp_path: Path) -> None:
    """A credential no key opens: rotate-key --drop-retired exits 1 naming it, keys kept."""
    url, key_file = f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "secret.key"
    _populate(url, key_file, 2)
    stray_keys = FileKeySource(tmp_path / "stray.key")
    stray_keys.create()
    with open_store(url) as store:
        add_connection(store, "conn_stray")
        Vault(store, stray_keys).put("conn_stray", {"api_key": "elsewhere"})
    args = ["rotate-key", "--database", url, "--key-file", str(key_file), "--drop-retired"]
    code, out, err = _invoke(*args)
    assert "unreadable" in out
    assert code == 1
    assert "conn_stray" in err
    assert "left untouched" in err
    ring = FileKeySource(key_file).load()
    assert ring is not None
    assert len(ring.retired) == 1
