"""A rotation killed with SIGKILL midway loses nothing; running it again finishes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.vault.conftest import add_connection

from interlink.store import open_store
from interlink.vault import FileKeySource, Vault

WORKER = Path(__file__).with_name("rotate_worker.py")
CREDENTIALS = 100


def test_rotation_killed_midway_leaves_every_credential_readable(tmp_path: Path) -> None:
    """kill -9 between batches: both keys in the file, every blob opens, a rerun completes."""
    url, key_file = f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "secret.key"
    with open_store(url) as store:
        vault = Vault(store, FileKeySource(key_file))
        for i in range(CREDENTIALS):
            add_connection(store, f"conn_{i:03d}")
            vault.put(f"conn_{i:03d}", {"token": f"token-{i}"})
        old_id = vault.keyring.current.id

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{root / 'src'}{os.pathsep}{root}"}
    errors = tmp_path / "worker.stderr"
    with errors.open("wb") as stderr:
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), url, str(key_file)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        with open_store(url) as watcher:
            counts: Counter[str] = Counter()
            deadline = time.monotonic() + 60
            # Wait until the pass is under way: some credentials moved, some not yet.
            while not (len(counts) == 2 and counts[old_id] > 0) and time.monotonic() < deadline:
                assert worker.poll() is None, errors.read_text()
                time.sleep(0.02)
                counts = Counter(row.key_id for row in watcher.list_credentials())
            assert len(counts) == 2, f"the rotation never got under way: {counts}"
        worker.send_signal(signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    with open_store(url) as store:
        vault = Vault(store, FileKeySource(key_file))
        new_id = vault.keyring.current.id
        assert vault.keyring.ids == (new_id, old_id)
        by_key = Counter(row.key_id for row in store.list_credentials())
        assert by_key[old_id] > 0
        assert by_key[new_id] > 0
        assert sum(by_key.values()) == CREDENTIALS
        expected = [{"token": f"token-{i}"} for i in range(CREDENTIALS)]
        assert [vault.get(f"conn_{i:03d}") for i in range(CREDENTIALS)] == expected

        report = vault.rotate(drop_retired=True)  # the rerun: no new key, finish the pass
        assert report.previous_key_id is None
        assert report.reencrypted == by_key[old_id]
        assert report.already_current == by_key[new_id]
        assert report.complete
        assert report.dropped_key_ids == (old_id,)
        assert [vault.get(f"conn_{i:03d}") for i in range(CREDENTIALS)] == expected
