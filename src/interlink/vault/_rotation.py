"""Key rotation without downtime.

1. The new key joins the keyring as current and the keyring is saved first
   (atomically, as a read-modify-write of the latest keyring, so a concurrent
   rotation's key is kept too), the old key retired: from then on every
   process that reads the keyring opens old and new blobs alike.
2. Every credential not sealed with the current key is re-sealed and swapped
   in with compare-and-swap on its key id, so a credential written meanwhile
   is kept as written.
3. Only when no credential is left under a retired key may the retired keys
   be dropped (`drop_retired`).

A crash anywhere leaves every blob readable: before step 1 nothing changed;
after it both keys are in the ring; running the rotation again finishes it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from interlink._errors import VaultError
from interlink.store import EncryptedCredential
from interlink.vault._keys import Key, Keyring
from interlink.vault._reseal import Resealer, ResealReport
from interlink.vault._seal import credential_context, open_blob, seal_blob

if TYPE_CHECKING:
    from interlink.vault._vault import Vault

__all__ = ["KEYRING_WRITE_LOCK", "RotationReport", "rotate"]

log = structlog.get_logger("interlink.vault")

BATCH = 500

KEYRING_WRITE_LOCK = threading.Lock()
"""Held by `Vault.put` from its keyring read to its write, and by a rotation while it
adds its key: so in one process a put lands either before the rotation lists the
credentials (and is re-sealed) or under the new key (and the swap leaves it alone)."""


@dataclass(frozen=True, slots=True)
class RotationReport:
    """What a rotation did, key ids and counts only."""

    current_key_id: str
    previous_key_id: str | None
    """The key that was current before, or None when no new key was added."""
    reencrypted: int
    already_current: int
    changed_meanwhile: int
    """Credentials a concurrent writer replaced during the pass: kept as written."""
    unreadable: tuple[str, ...]
    """Connections whose credentials no key in the ring opens: left untouched."""
    by_key: dict[str, int] = field(default_factory=dict)
    """Stored credentials per key id after the pass."""
    retired_key_ids: tuple[str, ...] = ()
    """Retired keys still in the ring afterwards."""
    dropped_key_ids: tuple[str, ...] = ()
    drop_refused: str | None = None
    resealed: tuple[ResealReport, ...] = ()
    """What each re-sealer passed to `rotate` did with its own blobs."""

    @property
    def complete(self) -> bool:
        """Every stored credential, and every re-sealer's blob, is sealed with the current key."""
        return all(
            set(by_key) <= {self.current_key_id} and not unreadable
            for by_key, unreadable in [
                (self.by_key, self.unreadable),
                *((r.by_key, r.unreadable) for r in self.resealed),
            ]
        )


def rotate(
    vault: Vault,
    new_key: Key | None = None,
    *,
    drop_retired: bool = False,
    progress: Callable[[int, int], None] | None = None,
    resealers: Sequence[Resealer] = (),
) -> RotationReport:
    """Make `new_key` current (if given), re-seal every credential with the current key,
    and each re-sealer's blobs, then drop the retired keys if asked and nothing needs them
    any more.

    `progress(done, total)` is called after each committed batch (credentials looked at,
    out of all stored)."""
    keyring = vault.reload()
    previous: str | None = None
    if new_key is not None and new_key.id != keyring.current.id:

        def add(latest: Keyring) -> Keyring:
            nonlocal previous
            previous = latest.current.id
            return latest.rotated(new_key)

        with KEYRING_WRITE_LOCK:
            vault.keys.update(add)
        keyring = vault.reload()  # read back: what every other process will see
        if keyring.get(new_key.id) is None:
            raise VaultError(f"{vault.keys.location} did not keep the new key {new_key.id}")
        log.info("vault.key_added", key_id=new_key.id, retired=list(keyring.retired_ids))
    # Normally the new key; another rotation finishing meanwhile may have made its own
    # key current, and then that one is the key to re-seal under.
    current = keyring.current.id

    reencrypted = already = changed = 0
    unreadable: list[str] = []
    batch: list[EncryptedCredential] = []
    expected: dict[str, str] = {}
    expected_blobs: dict[str, bytes] = {}

    def flush() -> None:
        nonlocal reencrypted, changed
        if not batch:
            return
        replaced = vault.store.replace_credentials(
            batch, expected_key_ids=expected, expected_blobs=expected_blobs
        )
        reencrypted += replaced
        changed += len(batch) - replaced
        batch.clear()
        expected.clear()
        expected_blobs.clear()

    rows = vault.store.list_credentials()
    for done, row in enumerate(rows, 1):
        if progress is not None and done % BATCH == 0:
            progress(done, len(rows))
        if row.key_id == current:
            already += 1
            continue
        context = credential_context(row.connection_id)
        what = f"the credentials of connection {row.connection_id!r}"
        opener = keyring
        if keyring.get(row.key_id) is None:
            # Sealed by a rotation running beside this one, under a key added after ours.
            opener = vault.reload()
            if row.key_id == opener.current.id:
                already += 1
                continue
        try:
            plaintext = open_blob(opener, row.blob, context=context, what=what)
        except VaultError as exc:
            unreadable.append(row.connection_id)
            log.warning("vault.unreadable", connection_id=row.connection_id, reason=str(exc))
            continue
        blob = seal_blob(keyring, plaintext, context=context)
        batch.append(EncryptedCredential(row.connection_id, current, blob, datetime.now(UTC)))
        expected[row.connection_id] = row.key_id
        expected_blobs[row.connection_id] = row.blob
        if len(batch) >= BATCH:
            flush()
    flush()
    if progress is not None:
        progress(len(rows), len(rows))

    resealed = tuple(resealer.reseal(current) for resealer in resealers)
    by_key = dict(Counter(row.key_id for row in vault.store.list_credentials()))
    dropped: tuple[str, ...] = ()
    refused: str | None = None
    if drop_retired and keyring.retired:
        refused = _drop_refusal(by_key, current, unreadable) or _reseal_refusal(resealed, current)
        if refused is None:

            def drop(latest: Keyring) -> Keyring:
                nonlocal dropped
                if latest.current.id != current:
                    raise VaultError(
                        f"another rotation made key {latest.current.id} current meanwhile; "
                        "the retired keys were kept"
                    )
                dropped = latest.retired_ids
                return latest.without_retired()

            try:
                vault.keys.update(drop)
                log.info("vault.retired_keys_dropped", key_ids=list(dropped))
            except VaultError as exc:
                dropped, refused = (), str(exc)
            keyring = vault.reload()
    report = RotationReport(
        current_key_id=current,
        previous_key_id=previous,
        reencrypted=reencrypted,
        already_current=already,
        changed_meanwhile=changed,
        unreadable=tuple(unreadable),
        by_key=by_key,
        retired_key_ids=keyring.retired_ids,
        dropped_key_ids=dropped,
        drop_refused=refused,
        resealed=resealed,
    )
    log.info(
        "vault.rotation_finished",
        key_id=current,
        reencrypted=reencrypted,
        already_current=already,
        changed_meanwhile=changed,
        unreadable=len(unreadable),
        dropped=list(dropped),
    )
    return report


def _drop_refusal(by_key: dict[str, int], current: str, unreadable: list[str]) -> str | None:
    stale = {key_id: count for key_id, count in by_key.items() if key_id != current}
    if unreadable:
        return (
            f"{len(unreadable)} credential(s) open with no key in the ring; "
            "the retired keys were kept"
        )
    if stale:
        listed = ", ".join(f"{count} under {key_id}" for key_id, count in sorted(stale.items()))
        return f"credentials are still sealed with retired keys ({listed}); run the rotation again"
    return None


def _reseal_refusal(resealed: tuple[ResealReport, ...], current: str) -> str | None:
    for report in resealed:
        if report.unreadable:
            return (
                f"{len(report.unreadable)} of the {report.what} open with no key in the ring "
                f"({', '.join(report.unreadable)}); the retired keys were kept"
            )
        stale = {key_id: n for key_id, n in report.by_key.items() if key_id != current}
        if stale:
            listed = ", ".join(f"{n} under {key_id}" for key_id, n in sorted(stale.items()))
            return (
                f"{report.what} are still sealed with retired keys ({listed}); "
                "run the rotation again"
            )
    return None
