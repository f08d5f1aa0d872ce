"""Keys, keyrings and the sealed blob format."""

from __future__ import annotations

import pickle

import pytest

from interlink.vault import (
    BLOB_VERSION,
    Key,
    Keyring,
    VaultError,
    blob_key_id,
    key_id_of,
    open_blob,
    seal_blob,
)


def test_key_id_is_the_first_eight_hex_digits_of_the_sha256() -> None:
    """A key's id is derived from its bytes, so a blob can name its key without revealing it."""
    key = Key(bytes(range(32)))
    assert key.id == key_id_of(bytes(range(32)))
    assert key.id == "630dcd29"


def test_key_never_shows_its_bytes() -> None:
    """repr and str of a key or keyring show ids only; pickling a key is refused."""
    key = Key.generate()
    ring = Keyring(key)
    for text in (repr(key), str(key), repr(ring)):
        assert key.to_text() not in text
        assert key.id in text
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(key)


def test_key_text_round_trips_with_or_without_padding() -> None:
    """URL-safe base64 of 32 bytes decodes back to the same key, padded or not."""
    key = Key.generate()
    assert Key.from_text(key.to_text(), where="x") == key
    assert Key.from_text(key.to_text().rstrip("="), where="x") == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not base64 at all!!", "is not URL-safe base64"),
        ("c2hvcnQ=", "decodes to 5 bytes, expected 32"),
        ("", "decodes to 0 bytes"),
    ],
)
def test_bad_key_text_names_the_source_and_never_echoes_it(text: str, expected: str) -> None:
    """A malformed key is a VaultError naming where it came from, not what it was."""
    with pytest.raises(VaultError, match=expected) as caught:
        Key.from_text(text, where="INTERLINK_SECRET_KEY")
    assert "INTERLINK_SECRET_KEY" in str(caught.value)
    if text:
        assert text not in str(caught.value)


def test_round_trip() -> None:
    """What is sealed for a context opens for the same context."""
    ring = Keyring(Key.generate())
    blob = seal_blob(ring, b"secret", context="credential:c1")
    assert open_blob(ring, blob, context="credential:c1", what="blob") == b"secret"
    assert blob[0] == BLOB_VERSION
    assert blob_key_id(blob, what="blob") == ring.current.id


def test_every_seal_uses_a_fresh_nonce() -> None:
    """Sealing the same plaintext twice gives two different blobs."""
    ring = Keyring(Key.generate())
    assert seal_blob(ring, b"x", context="c") != seal_blob(ring, b"x", context="c")


def test_another_context_does_not_open() -> None:
    """A blob moved to another connection fails to decrypt, with a clear error."""
    ring = Keyring(Key.generate())
    blob = seal_blob(ring, b"secret", context="credential:c1")
    with pytest.raises(VaultError, match="does not decrypt"):
        open_blob(ring, blob, context="credential:c2", what="blob")


@pytest.mark.parametrize("position", [0, 1, 5, 17, -1])
def test_any_altered_byte_is_refused(position: int) -> None:
    """Flipping any byte (version, key id, nonce, ciphertext, tag) fails with VaultError."""
    ring = Keyring(Key.generate(), (Key.generate(),))
    blob = bytearray(seal_blob(ring, b"secret", context="c"))
    blob[position] ^= 0x01
    with pytest.raises(VaultError):
        open_blob(ring, bytes(blob), context="c", what="blob")


def test_truncated_blob_is_refused() -> None:
    """A blob shorter than header + nonce + tag is reported as not a sealed blob."""
    ring = Keyring(Key.generate())
    with pytest.raises(VaultError, match="too short"):
        open_blob(ring, b"\x01abcd", context="c", what="the blob")


def test_retired_key_still_opens_what_it_sealed() -> None:
    """After a new key becomes current, blobs of the old key still open."""
    old = Keyring(Key.generate())
    blob = seal_blob(old, b"secret", context="c")
    new = old.rotated(Key.generate())
    assert new.retired == (old.current,)
    assert open_blob(new, blob, context="c", what="blob") == b"secret"
    assert blob_key_id(seal_blob(new, b"s", context="c"), what="b") == new.current.id


def test_unknown_key_names_the_key_id() -> None:
    """A blob sealed with a key not in the ring says which key id is missing."""
    blob = seal_blob(Keyring(Key.generate()), b"secret", context="c")
    other = Keyring(Key.generate())
    with pytest.raises(VaultError, match=blob_key_id(blob, what="b")):
        open_blob(other, blob, context="c", what="blob")


def test_keyring_rotation_keeps_each_key_once() -> None:
    """Rotating back to a retired key moves it to current without duplicating it."""
    a, b = Key.generate(), Key.generate()
    ring = Keyring(a).rotated(b).rotated(a)
    assert ring.ids == (a.id, b.id)
    assert ring.rotated(a) is ring
    assert ring.without_retired().ids == (a.id,)
    with pytest.raises(VaultError, match="each key once"):
        Keyring(a, (a,))
