"""The vault: connections' credentials sealed on the way into the store, opened on the way out.

The store only ever holds `EncryptedCredential` rows (key id + blob). The
plaintext is the orjson encoding of the credentials mapping, sealed with
AES-256-GCM and bound to the connection id (`interlink.vault._seal`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import orjson
import structlog

from interlink._errors import VaultError
from interlink.store import EncryptedCredential
from interlink.vault._audit import AuditTrail, acting_for
from interlink.vault._keys import Key, Keyring
from interlink.vault._reseal import Resealer
from interlink.vault._rotation import KEYRING_WRITE_LOCK, RotationReport, rotate
from interlink.vault._seal import blob_key_id, credential_context, open_blob, seal_blob
from interlink.vault._sources import KeySource

__all__ = ["CredentialStore", "Vault", "VaultCipher"]

log = structlog.get_logger("interlink.vault")


class CredentialStore(Protocol):
    """What the vault needs of the store (`interlink.store.Store` fits)."""

    def put_credential(self, connection_id: str, key_id: str, blob: bytes) -> None: ...

    def get_credential(self, connection_id: str) -> EncryptedCredential | None: ...

    def list_credentials(self) -> list[EncryptedCredential]: ...

    def replace_credentials(
        self,
        rows: Sequence[EncryptedCredential],
        *,
        expected_key_ids: Mapping[str, str],
        expected_blobs: Mapping[str, bytes] | None = None,
    ) -> int: ...


def _what(connection_id: str) -> str:
    return f"the credentials of connection {connection_id!r}"


class Vault:
    """Seals and opens connections' credentials with the keys of a `KeySource`.

    Building a vault loads the keyring, or creates the first key when none exists
    and the store holds no credentials. When the store holds credentials and the key
    is gone, it stops with `VaultError`: a new key could never open them.

    `actor` names the process reading (`server`, `cli`, `worker`): on a store with an
    audit log, every `get` is audited as `credentials.read` (see `_audit`).
    """

    __slots__ = ("_keyring", "_tenants", "actor", "keys", "store")

    def __init__(
        self, store: CredentialStore, keys: KeySource, *, actor: str = "interlink"
    ) -> None:
        self.store = store
        self.keys = keys
        self.actor = actor
        self._tenants: dict[str, str | None] = {}
        self._keyring = self._load_or_create()

    def _load_or_create(self) -> Keyring:
        keyring = self.keys.load()
        if keyring is not None:
            return keyring
        stored = self.store.list_credentials()
        if stored:
            raise VaultError(
                f"no key found at {self.keys.location}, but the store holds "
                f"{len(stored)} encrypted credential(s) sealed with key(s) "
                f"{', '.join(sorted({row.key_id for row in stored}))}: restore that key; "
                "no new key was created, since it could never open them"
            )
        try:
            keyring = self.keys.create()
        except VaultError:
            # Another process starting at the same moment created it first: use theirs.
            raced = self.keys.load()
            if raced is None:
                raise
            return raced
        log.info("vault.key_created", key_id=keyring.current.id, location=self.keys.location)
        return keyring

    @property
    def keyring(self) -> Keyring:
        """The keys this vault seals and opens with."""
        return self._keyring

    def reload(self) -> Keyring:
        """Read the keyring again (another process may have rotated it)."""
        keyring = self.keys.load()
        if keyring is None:
            raise VaultError(
                f"the key at {self.keys.location} has disappeared; restore it from a backup"
            )
        self._keyring = keyring
        return keyring

    def seal(self, connection_id: str, credentials: Mapping[str, str]) -> bytes:
        """`credentials` encrypted for `connection_id` with the current key."""
        return _seal(self._keyring, connection_id, credentials)

    def open(self, connection_id: str, blob: bytes) -> dict[str, str]:
        """The credentials sealed in `blob` for `connection_id`."""
        what = _what(connection_id)
        keyring = self._keyring
        if keyring.get(blob_key_id(blob, what=what)) is None:
            keyring = self.reload()  # sealed after a rotation this process has not seen yet
        plaintext = open_blob(keyring, blob, context=credential_context(connection_id), what=what)
        credentials = orjson.loads(plaintext)
        if not isinstance(credentials, dict):
            raise VaultError(f"{what} do not decode to a mapping")
        return credentials

    def put(self, connection_id: str, credentials: Mapping[str, str]) -> None:
        """Seal `credentials` and store them as the connection's credentials."""
        # Writes are rare (a new connection, a rotated token), so each reads the keyring
        # afresh, pinned until the row is written: a rotation (in this process: the
        # lock; in another on this host: the key file's lock) cannot add its key between
        # this read and the write, where its compare-and-swap on the key id could not
        # tell this write from the value it re-encrypted.
        with KEYRING_WRITE_LOCK, self.keys.pinned() as latest:
            if latest is None:
                raise VaultError(
                    f"the key at {self.keys.location} has disappeared; restore it from a backup"
                )
            self._keyring = keyring = latest
            blob = _seal(keyring, connection_id, credentials)
            self.store.put_credential(connection_id, keyring.current.id, blob)
        log.info(
            "vault.credentials_stored",
            connection_id=connection_id,
            key_id=keyring.current.id,
            fields=sorted(credentials),
        )

    def get(self, connection_id: str, *, actor: str | None = None) -> dict[str, str]:
        """The connection's stored credentials; `VaultError` when it has none. The read is
        audited, as `actor` (else the context's, else the vault's), succeeded or not."""
        try:
            row = self.store.get_credential(connection_id)
            if row is None:
                raise VaultError(f"connection {connection_id!r} has no stored credentials")
            credentials = self.open(connection_id, row.blob)
        except Exception as exc:
            self._audit(connection_id, actor, "failed", {"error": type(exc).__name__})
            raise
        self._audit(connection_id, actor, "ok", None)
        return credentials

    def _audit(
        self, connection_id: str, actor: str | None, outcome: str, detail: dict[str, str] | None
    ) -> None:
        store = self.store
        if not isinstance(store, AuditTrail):
            return
        if connection_id not in self._tenants:
            row = store.get_connection(connection_id)
            if len(self._tenants) > 10_000:
                self._tenants.clear()
            self._tenants[connection_id] = None if row is None else row.tenant_id
        who = actor or acting_for.get() or self.actor
        store.audit(who, "credentials.read", connection_id, outcome,
                    tenant_id=self._tenants[connection_id], detail=detail)  # fmt: skip

    def rotate(
        self,
        new_key: Key | None = None,
        *,
        drop_retired: bool = False,
        progress: Callable[[int, int], None] | None = None,
        resealers: Sequence[Resealer] = (),
    ) -> RotationReport:
        """Make `new_key` current and re-seal every credential with it (see `_rotation`),
        and each re-sealer's own blobs; `progress(done, total)` follows the pass."""
        return rotate(
            self, new_key, drop_retired=drop_retired, progress=progress, resealers=resealers
        )

    def cipher(self, purpose: str) -> VaultCipher:
        """An `interlink.auth.Cipher` sealing with this vault's keys, bound to `purpose`
        (e.g. `State.from_redis_url(url, cipher=vault.cipher("redis-tokens"))`)."""
        return VaultCipher(self, purpose)

    def counts_by_key(self) -> dict[str, int]:
        """How many stored credentials each key id sealed."""
        return dict(Counter(row.key_id for row in self.store.list_credentials()))

    def __repr__(self) -> str:
        return f"<Vault keys={self.keys.location!r} current={self._keyring.current.id}>"


def _seal(keyring: Keyring, connection_id: str, credentials: Mapping[str, str]) -> bytes:
    for name, value in credentials.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise VaultError(
                f"{_what(connection_id)}: field {name!r} must map a string to a string, "
                f"got a {type(value).__name__}"
            )
    plaintext = orjson.dumps(dict(credentials))
    return seal_blob(keyring, plaintext, context=credential_context(connection_id))


class VaultCipher:
    """Encrypts other secrets at rest (cached tokens in Redis) with the vault's keyring.

    Fits `interlink.auth.Cipher`. Blobs are bound to `purpose`, so a cached token
    cannot be passed off as a connection's credentials or the other way round.
    """

    __slots__ = ("_context", "_vault")

    def __init__(self, vault: Vault, purpose: str) -> None:
        self._vault = vault
        self._context = f"cipher:{purpose}"

    def encrypt(self, data: bytes) -> bytes:
        return seal_blob(self._vault.keyring, data, context=self._context)

    def decrypt(self, token: bytes) -> bytes:
        what = f"a blob sealed for {self._context!r}"
        if self._vault.keyring.get(blob_key_id(token, what=what)) is None:
            self._vault.reload()
        return open_blob(self._vault.keyring, token, context=self._context, what=what)

    def __repr__(self) -> str:
        return f"<VaultCipher {self._context!r}>"
