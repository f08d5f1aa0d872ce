"""Where a secret's bytes live: a file or an environment variable today.

A `SecretBackend` stores one secret document. It never interprets it (the
key sources do), and it never replaces what it did not mean to: `create`
refuses an existing secret; `update` is a read-modify-write of the current
version, exclusive among writers and atomic for readers, so two rotations at
once compose instead of one losing the other's key. An external secret
manager plugs in by implementing these methods (docs/security.md).
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Protocol

from interlink._errors import VaultError

__all__ = ["EnvSecret", "FileSecret", "SecretBackend"]

MAX_SECRET_BYTES = 1 << 20
"""A keyring of thousands of retired keys fits many times over."""


class SecretBackend(Protocol):
    """One secret document, read and written whole."""

    location: str
    """Where the secret lives, for messages (`key file /srv/.interlink/secret.key`)."""

    def read(self) -> bytes | None:
        """The secret, or None when there is none yet. A secret that exists but cannot
        be trusted (unreadable, exposed) raises `VaultError`."""
        ...

    def create(self, data: bytes) -> None:
        """Store the first version; `VaultError` if one exists (it is never overwritten)."""
        ...

    def update(self, change: Callable[[bytes], bytes]) -> None:
        """Replace the stored version with `change(current)`, holding off other writers
        in between; readers see the old version or the new, never a mix."""
        ...

    def pinned(self) -> AbstractContextManager[bytes | None]:
        """The current version, with every `update` held off until the block exits
        (a backend that cannot hold updates off may simply read)."""
        ...


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


class FileSecret:
    """A secret in a file readable by its owner only (mode 0600)."""

    __slots__ = ("location", "path")

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.location = f"key file {self.path}"

    def read(self) -> bytes | None:
        try:
            # Symlinks are followed (Kubernetes and Docker mount secrets through them);
            # the mode checked below is the target's.
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise VaultError(f"{self.location} cannot be opened: {exc.strerror}") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise VaultError(f"{self.location} is not a regular file")
            if info.st_size > MAX_SECRET_BYTES:
                raise VaultError(
                    f"{self.location} is {info.st_size} bytes, far more than a keyring "
                    f"(at most {MAX_SECRET_BYTES}): is it the right file?"
                )
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o077:
                raise VaultError(
                    f"{self.location} is accessible to group or others (mode {mode:04o}); "
                    f"refusing a key others can read: run `chmod 600 {self.path}`"
                )
            chunks = []
            while chunk := os.read(fd, 65536):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def _write_temp(self, data: bytes) -> Path:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            _write_all(fd, data)
        except BaseException:
            os.close(fd)
            temp.unlink(missing_ok=True)
            raise
        os.close(fd)
        return temp

    def create(self, data: bytes) -> None:
        # Written aside and linked into place: the file appears whole or not at all, and
        # link() fails rather than replace a file that appeared meanwhile.
        temp = self._write_temp(data)
        try:
            os.link(temp, self.path)
        except FileExistsError:
            raise VaultError(f"{self.location} already exists; it was not overwritten") from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise VaultError(f"{self.location} cannot be created: {exc.strerror}") from None
            self._create_without_link(data)
        finally:
            temp.unlink(missing_ok=True)
        _fsync_dir(self.path.parent)

    def _create_without_link(self, data: bytes) -> None:
        # Filesystems without hard links: O_EXCL still never overwrites.
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise VaultError(f"{self.location} already exists; it was not overwritten") from None
        try:
            os.fchmod(fd, 0o600)
            _write_all(fd, data)
        finally:
            os.close(fd)

    @contextmanager
    def _locked(self, operation: int) -> Iterator[bool]:
        # An advisory lock on the key file's directory: the key file itself is replaced
        # by rename, so a lock on it would guard a file that is no longer there. Shared
        # for writers of credentials (`pinned`), exclusive for an `update` of the keys.
        try:
            fd = os.open(self.path.parent, os.O_RDONLY)
        except FileNotFoundError:
            yield False
            return
        try:
            fcntl.flock(fd, operation)
            yield True
        finally:
            os.close(fd)  # releases the lock

    @contextmanager
    def pinned(self) -> Iterator[bytes | None]:
        with self._locked(fcntl.LOCK_SH):
            yield self.read()

    def update(self, change: Callable[[bytes], bytes]) -> None:
        with self._locked(fcntl.LOCK_EX):
            current = self.read()
            if current is None:
                raise VaultError(f"{self.location} does not exist; there is nothing to update")
            temp = self._write_temp(change(current))
            try:
                os.replace(temp, self.path)
            except OSError as exc:
                temp.unlink(missing_ok=True)
                raise VaultError(f"{self.location} cannot be replaced: {exc.strerror}") from None
            _fsync_dir(self.path.parent)

    def __repr__(self) -> str:
        return f"FileSecret({str(self.path)!r})"


class EnvSecret:
    """A secret in an environment variable: read-only, set by whoever starts the process."""

    __slots__ = ("_environ", "location", "variable")

    def __init__(self, variable: str, environ: Mapping[str, str] | None = None) -> None:
        self.variable = variable
        self.location = variable
        self._environ = environ

    def read(self) -> bytes | None:
        value = (os.environ if self._environ is None else self._environ).get(self.variable)
        return value.encode() if value else None

    def create(self, data: bytes) -> None:
        raise VaultError(f"{self.variable} is set by the environment; Interlink cannot write it")

    def update(self, change: Callable[[bytes], bytes]) -> None:
        self.create(b"")

    def pinned(self) -> AbstractContextManager[bytes | None]:
        return nullcontext(self.read())  # nothing here can update it

    def __repr__(self) -> str:
        return f"EnvSecret({self.variable!r})"
