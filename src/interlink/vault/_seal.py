"""The sealed blob: what the store keeps instead of credentials.

Layout (version 1)::

    0x01 | key id (4 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext + 16-byte tag

The associated data is the 5-byte header plus a context string (for a
credential, `credential:<connection id>`). GCM authenticates it without
storing it, so a blob copied to another connection, a header edited to name
another key, or a single flipped bit all fail the same way: the tag does not
verify and nothing is returned.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag

from interlink._errors import VaultError
from interlink.vault._keys import Keyring

__all__ = ["BLOB_VERSION", "blob_key_id", "credential_context", "open_blob", "seal_blob"]

BLOB_VERSION = 1
_HEADER = 5
_NONCE = 12
_TAG = 16


def credential_context(connection_id: str) -> str:
    """The associated data that binds a credential blob to its connection."""
    return f"credential:{connection_id}"


def _header(key_id: str) -> bytes:
    return bytes((BLOB_VERSION,)) + bytes.fromhex(key_id)


def seal_blob(keyring: Keyring, plaintext: bytes, *, context: str) -> bytes:
    """Encrypt `plaintext` with the current key, bound to `context`."""
    key = keyring.current
    header = _header(key.id)
    # A random 96-bit nonce per seal: safe far beyond the number of blobs a vault writes
    # under one key (NIST SP 800-38D bounds it at 2**32 seals per key).
    nonce = os.urandom(_NONCE)
    return header + nonce + key.aead.encrypt(nonce, plaintext, header + context.encode())


def blob_key_id(blob: bytes, *, what: str) -> str:
    """The id of the key that sealed `blob`; `what` names the blob in errors."""
    if len(blob) < _HEADER + _NONCE + _TAG:
        raise VaultError(f"{what} is not a sealed blob: {len(blob)} bytes is too short")
    if blob[0] != BLOB_VERSION:
        raise VaultError(
            f"{what} has blob version {blob[0]}, this Interlink reads version {BLOB_VERSION}"
        )
    return blob[1:_HEADER].hex()


def open_blob(keyring: Keyring, blob: bytes, *, context: str, what: str) -> bytes:
    """Decrypt `blob` sealed for `context` with whichever key of `keyring` sealed it."""
    key_id = blob_key_id(blob, what=what)
    key = keyring.get(key_id)
    if key is None:
        raise VaultError(
            f"{what} was sealed with key {key_id}, which is not in the keyring "
            f"(keys: {', '.join(keyring.ids)}): restore the key file that holds it"
        )
    header, nonce, sealed = (
        blob[:_HEADER],
        blob[_HEADER : _HEADER + _NONCE],
        blob[_HEADER + _NONCE :],
    )
    try:
        return key.aead.decrypt(nonce, sealed, header + context.encode())
    except InvalidTag:
        raise VaultError(
            f"{what} does not decrypt with key {key_id}: it was altered, or it belongs "
            "to another connection"
        ) from None
