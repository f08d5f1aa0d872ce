"""Vault keys: 32 random bytes each, named by a short id, held in a keyring.

A key's id is the first 8 hex digits of the SHA-256 of its bytes: stable, so a
blob names the key that sealed it without revealing anything about the key.
The keyring holds the current key (every new seal uses it) and the retired
keys (still able to open what they sealed): that is what lets a rotation run
while readers keep working.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from interlink._errors import VaultError

__all__ = ["KEY_BYTES", "Key", "Keyring", "key_id_of"]

KEY_BYTES = 32


def key_id_of(material: bytes) -> str:
    """The public name of a key: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(material).hexdigest()[:8]


class Key:
    """One AES-256 key. Its bytes never appear in a repr, a log line or an error."""

    __slots__ = ("_aead", "_material", "id")

    def __init__(self, material: bytes) -> None:
        if len(material) != KEY_BYTES:
            raise VaultError(f"a vault key must be {KEY_BYTES} bytes, got {len(material)}")
        self._material = bytes(material)
        self._aead = AESGCM(self._material)
        self.id = key_id_of(self._material)

    @classmethod
    def generate(cls) -> Key:
        """A new key from the operating system's CSPRNG."""
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_text(cls, text: str, *, where: str) -> Key:
        """Decode URL-safe base64 (padding optional); `where` names the source in errors.

        The text itself is never echoed: a wrong value may still be a real secret.
        """
        stripped = text.strip()
        try:
            material = base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
        except (binascii.Error, ValueError):
            raise VaultError(
                f"{where} is not URL-safe base64: expected {KEY_BYTES} random bytes encoded "
                "with base64.urlsafe_b64encode (44 characters); `interlink vault new-key` "
                "prints one"
            ) from None
        if len(material) != KEY_BYTES or not stripped:
            raise VaultError(
                f"{where} decodes to {len(material)} bytes, expected {KEY_BYTES} "
                "(AES-256); `interlink vault new-key` prints a valid key"
            )
        return cls(material)

    def to_text(self) -> str:
        """The key as URL-safe base64: the form key files and INTERLINK_SECRET_KEY hold."""
        return base64.urlsafe_b64encode(self._material).decode("ascii")

    @property
    def aead(self) -> AESGCM:
        """The AES-GCM primitive for this key (built once)."""
        return self._aead

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Key):
            return NotImplemented
        return hmac.compare_digest(self._material, other._material)

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"Key(id={self.id!r})"

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the key's bytes wherever the pickle goes (a queue, a cache).
        raise TypeError("a vault Key cannot be pickled")


@dataclass(frozen=True, slots=True)
class Keyring:
    """The current key plus the retired keys that can still open older blobs."""

    current: Key
    retired: tuple[Key, ...] = ()

    def __post_init__(self) -> None:
        ids = [self.current.id, *(key.id for key in self.retired)]
        if len(set(ids)) != len(ids):
            raise VaultError(f"a keyring holds each key once, got key ids {ids}")

    def get(self, key_id: str) -> Key | None:
        """The key named `key_id`, current or retired, or None."""
        if key_id == self.current.id:
            return self.current
        return next((key for key in self.retired if key.id == key_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every key id, the current one first."""
        return (self.current.id, *(key.id for key in self.retired))

    @property
    def retired_ids(self) -> tuple[str, ...]:
        """The retired keys' ids, most recently retired first."""
        return tuple(key.id for key in self.retired)

    def rotated(self, new: Key) -> Keyring:
        """`new` as current; the old current becomes the most recently retired key."""
        if new.id == self.current.id:
            return self
        rest = tuple(key for key in self.retired if key.id != new.id)
        return Keyring(new, (self.current, *rest))

    def without_retired(self) -> Keyring:
        """Only the current key: after every blob has been re-sealed with it."""
        return Keyring(self.current)
