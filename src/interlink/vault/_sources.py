"""Key sources: where the vault's keyring comes from, and where a rotation writes it.

- `FileKeySource(path)`: a keyring document in a 0600 file, created on first use.
- `EnvKeySource()`: `INTERLINK_SECRET_KEY` (the current key) and, during a
  rotation, `INTERLINK_SECRET_KEY_RETIRED` (comma-separated older keys). Read-only.
- `SecretKeySource(backend)`: the same keyring document in any `SecretBackend`
  (how an external secret manager plugs in).

The keyring document is JSON::

    {"format": "interlink-keyring/1",
     "current": {"id": "1a2b3c4d", "key": "<URL-safe base64 of 32 bytes>"},
     "retired": [{"id": "9f8e7d6c", "key": "..."}]}

Each `id` is checked against its key, so a truncated or hand-edited key is
refused instead of silently becoming a different key.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol

import orjson

from interlink._errors import VaultError
from interlink.vault._backends import EnvSecret, FileSecret, SecretBackend
from interlink.vault._keys import Key, Keyring

__all__ = [
    "DEFAULT_KEY_FILE",
    "KEYRING_FORMAT",
    "RETIRED_KEYS_ENV",
    "SECRET_KEY_ENV",
    "EnvKeySource",
    "FileKeySource",
    "KeySource",
    "SecretKeySource",
    "default_key_source",
]

KEYRING_FORMAT = "interlink-keyring/1"
DEFAULT_KEY_FILE = Path(".interlink/secret.key")
SECRET_KEY_ENV = "INTERLINK_SECRET_KEY"
RETIRED_KEYS_ENV = "INTERLINK_SECRET_KEY_RETIRED"


class KeySource(Protocol):
    """Loads the keyring; creates the first one; updates it for a rotation."""

    location: str
    """Where the keys live, for messages."""

    def load(self) -> Keyring | None:
        """The keyring, or None when no key exists yet. Corrupt keys raise `VaultError`."""
        ...

    def create(self) -> Keyring:
        """Generate and store the first key; never replaces an existing one."""
        ...

    def update(self, change: Callable[[Keyring], Keyring]) -> Keyring:
        """Store `change(latest keyring)` atomically, other writers held off meanwhile
        (so concurrent rotations both keep their keys); returns what was stored."""
        ...

    def pinned(self) -> AbstractContextManager[Keyring | None]:
        """The latest keyring, with every `update` held off until the block exits: what
        a credential write seals under is still current when the write lands."""
        ...


def _dump(keyring: Keyring) -> bytes:
    def entry(key: Key) -> dict[str, str]:
        return {"id": key.id, "key": key.to_text()}

    document = {
        "format": KEYRING_FORMAT,
        "current": entry(keyring.current),
        "retired": [entry(key) for key in keyring.retired],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def _load_entry(entry: Any, *, where: str) -> Key:
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        raise VaultError(f"{where}: expected an object with 'id' and 'key' strings")
    key = Key.from_text(entry["key"], where=where)
    if entry.get("id") != key.id:
        # Never echo the stored id next to the key either: the id is enough to diagnose.
        raise VaultError(
            f"{where}: its id does not match its key (the file was truncated or edited)"
        )
    return key


def _parse(data: bytes, *, location: str) -> Keyring:
    # Whatever is wrong, the message says so and the file stays as it is: a new key
    # would make every stored credential unreadable.
    advice = "restore it from a backup; it was left untouched"
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise VaultError(
            f"{location} is corrupt: not a JSON keyring document ({len(data)} bytes); {advice}"
        ) from None
    if not isinstance(document, dict) or document.get("format") != KEYRING_FORMAT:
        raise VaultError(
            f"{location} is corrupt: expected a JSON object with "
            f'"format": "{KEYRING_FORMAT}"; {advice}'
        )
    retired = document.get("retired", [])
    if not isinstance(retired, list):
        raise VaultError(f"{location}: 'retired' must be a list; {advice}")
    try:
        current = _load_entry(document.get("current"), where=f"{location}: current")
        old = tuple(
            _load_entry(entry, where=f"{location}: retired[{i}]") for i, entry in enumerate(retired)
        )
        return Keyring(current, old)
    except VaultError as exc:
        raise VaultError(f"{exc}; {advice}") from None


class SecretKeySource:
    """A keyring document stored in a `SecretBackend`."""

    __slots__ = ("backend", "location")

    def __init__(self, backend: SecretBackend) -> None:
        self.backend = backend
        self.location = backend.location

    def load(self) -> Keyring | None:
        data = self.backend.read()
        if data is None:
            return None
        return _parse(data, location=self.location)

    def create(self) -> Keyring:
        keyring = Keyring(Key.generate())
        self.backend.create(_dump(keyring))
        return keyring

    def update(self, change: Callable[[Keyring], Keyring]) -> Keyring:
        stored: list[Keyring] = []

        def apply(data: bytes) -> bytes:
            stored.append(change(_parse(data, location=self.location)))
            return _dump(stored[-1])

        self.backend.update(apply)
        return stored[-1]

    @contextmanager
    def pinned(self) -> Iterator[Keyring | None]:
        with self.backend.pinned() as data:
            yield None if data is None else _parse(data, location=self.location)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"


class FileKeySource(SecretKeySource):
    """The keyring in a file, mode 0600, created atomically on first use."""

    __slots__ = ("path",)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(FileSecret(path))
        self.path = Path(path)


class EnvKeySource:
    """The current key from INTERLINK_SECRET_KEY, retired keys from
    INTERLINK_SECRET_KEY_RETIRED (comma-separated). The environment is read on every
    load, and never written: to rotate, an operator sets both variables and restarts."""

    __slots__ = ("_current", "_retired", "location")

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._current = EnvSecret(SECRET_KEY_ENV, environ)
        self._retired = EnvSecret(RETIRED_KEYS_ENV, environ)
        self.location = SECRET_KEY_ENV

    def load(self) -> Keyring | None:
        current = self._current.read()
        if current is None:
            return None
        key = Key.from_text(current.decode(), where=SECRET_KEY_ENV)
        retired_text = (self._retired.read() or b"").decode()
        parts = [part for part in retired_text.split(",") if part.strip()]
        retired = [
            Key.from_text(part, where=f"{RETIRED_KEYS_ENV} (entry {i + 1})")
            for i, part in enumerate(parts)
        ]
        return Keyring(key, tuple(k for k in dict.fromkeys(retired) if k.id != key.id))

    def create(self) -> Keyring:
        raise VaultError(
            f"{SECRET_KEY_ENV} is not set: set it to a key from `interlink vault new-key`, "
            "or unset it to use a key file"
        )

    def pinned(self) -> AbstractContextManager[Keyring | None]:
        return nullcontext(self.load())  # the environment cannot change under us

    def update(self, change: Callable[[Keyring], Keyring]) -> Keyring:
        raise VaultError(
            f"the keys come from {SECRET_KEY_ENV}, which Interlink cannot write: set "
            f"{SECRET_KEY_ENV} to the new key and {RETIRED_KEYS_ENV} to the old one, "
            "then run `interlink vault rotate-key` to re-encrypt under it"
        )

    def __repr__(self) -> str:
        return f"EnvKeySource({SECRET_KEY_ENV!r})"


def default_key_source(
    key_file: str | os.PathLike[str] = DEFAULT_KEY_FILE, environ: Mapping[str, str] | None = None
) -> KeySource:
    """INTERLINK_SECRET_KEY when it is set, else the key file (the `key_file` setting,
    `./.interlink/secret.key` by default)."""
    env = os.environ if environ is None else environ
    if env.get(SECRET_KEY_ENV):
        return EnvKeySource(env)
    return FileKeySource(key_file)
