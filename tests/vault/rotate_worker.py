"""The process test_crash.py kills: a key rotation that re-encrypts slowly, batch by batch.

Run as `python rotate_worker.py DATABASE_URL KEY_FILE`. Batches of 5 and a pause
after each swap stretch the pass so the test can kill it with SIGKILL midway.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence

import interlink.vault._rotation as rotation
from interlink.store import EncryptedCredential, Store, open_store
from interlink.vault import FileKeySource, Key, Vault


class SlowSwaps:
    """The real store; each compare-and-swap batch is followed by a pause."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def replace_credentials(
        self,
        rows: Sequence[EncryptedCredential],
        *,
        expected_key_ids: Mapping[str, str],
        expected_blobs: Mapping[str, bytes] | None = None,
    ) -> int:
        replaced = self.store.replace_credentials(
            rows, expected_key_ids=expected_key_ids, expected_blobs=expected_blobs
        )
        time.sleep(0.05)
        return replaced


def main(url: str, key_file: str) -> None:
    rotation.BATCH = 5
    store = open_store(url)
    Vault(SlowSwaps(store), FileKeySource(key_file)).rotate(Key.generate())  # type: ignore[arg-type]
    print("finished", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
