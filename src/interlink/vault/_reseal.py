"""Re-sealers: other packages' durable blobs, re-sealed by a key rotation.

The vault only knows the store's credentials. Packages above it that keep
their own blobs sealed with the vault's keys (a webhook subscription's
secret) hand `rotate` a `Resealer`, so those blobs move to the current key
too, and the retired keys are not dropped while any of them still needs one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["ResealReport", "Resealer"]


@dataclass(frozen=True, slots=True)
class ResealReport:
    """What one re-sealer did: counts and ids only, never a secret."""

    what: str
    """What the blobs are, for people ("webhook subscription secrets")."""
    resealed: int
    changed_meanwhile: int = 0
    """Blobs a concurrent writer replaced during the pass: kept as written."""
    unreadable: tuple[str, ...] = ()
    """Ids of blobs no key in the ring opens: left untouched."""
    by_key: dict[str, int] = field(default_factory=dict)
    """Blobs per key id after the pass."""


class Resealer(Protocol):
    """Re-seals its own durable blobs under the vault's current key."""

    def reseal(self, current_key_id: str) -> ResealReport:
        """Re-seal every blob not sealed with `current_key_id`, each swapped in only if
        unchanged since it was read; report what is left where."""
        ...
