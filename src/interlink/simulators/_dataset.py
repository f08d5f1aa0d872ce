"""A lazy, seeded dataset: record i is a pure function of (seed, i).

We write our own tiny generator instead of using Faker because a simulator must
read record 999,999 of a million without building the 999,999 before it, and
must do so in microseconds on every request. Faker draws from one sequential
random stream (record i depends on every draw before it) and is slow per call;
here each record gets its own stream, seeded by hashing (seed, kind, i), so any
record is O(1) to compute and identical across runs and machines.

Time is laid out so incremental filters stay cheap: record i's modified time is
a strictly increasing function of i, so "modified after t" maps to an index
range by bisection (see `_store.py`).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["DEFAULT_ANCHOR", "Dataset", "Rng"]

T = TypeVar("T")

_MASK = (1 << 64) - 1
# 2023-11-14T22:13:20Z: the default start of FakeClock, so generated history
# ends just before "now" in tests and in a real run alike.
DEFAULT_ANCHOR = 1_700_000_000.0
_HISTORY = 3 * 365 * 86_400.0  # generated records are spread over three years


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _kind_salt(kind: str) -> int:
    # Not hash(): str hashing is randomised per process, which would break determinism.
    salt = 0
    for ch in kind.encode():
        salt = _splitmix64(salt ^ ch)
    return salt


class Rng:
    """A small deterministic random stream for one record."""

    __slots__ = ("_state",)

    def __init__(self, seed: int) -> None:
        self._state = seed & _MASK

    def next(self) -> int:
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        return _splitmix64(self._state)

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        return self.next() % n

    def unit(self) -> float:
        """A float in [0, 1)."""
        return (self.next() >> 11) * (1.0 / (1 << 53))

    def choice(self, items: Sequence[T]) -> T:
        return items[self.next() % len(items)]

    def chance(self, p: float) -> bool:
        return self.unit() < p

    def digits(self, n: int) -> str:
        return str(self.next() % (10**n)).zfill(n)


@dataclass(frozen=True, slots=True)
class Dataset:
    """The shape of one generated collection: how many records, which seed, which time span.

    `modified_at(i)` is strictly increasing in i (history spread evenly over
    `anchor - 3 years .. anchor`, with jitter smaller than one step), so the
    first record modified at or after t is found by bisection.
    """

    kind: str
    size: int
    seed: int = 0
    anchor: float = DEFAULT_ANCHOR

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError(f"Dataset {self.kind!r}: size must be >= 0, got {self.size}")

    def rng(self, i: int) -> Rng:
        """The random stream of record i (independent of every other record)."""
        return Rng(_splitmix64(self.seed * 0x100000001B3 ^ _kind_salt(self.kind)) ^ (i * 0x9E37))

    @property
    def _step(self) -> float:
        return _HISTORY / max(self.size, 1)

    def modified_at(self, i: int) -> float:
        step = self._step
        jitter = (_splitmix64(self.seed ^ (i << 1)) >> 11) * (1.0 / (1 << 53)) * step * 0.9
        return round(self.anchor - _HISTORY + i * step + jitter, 3)

    def created_at(self, i: int) -> float:
        # Created up to a year before the last modification, never after it.
        modified = self.modified_at(i)
        floor = self.anchor - _HISTORY - 86_400.0
        fraction = (_splitmix64(self.seed ^ (i << 2) ^ 1) >> 11) * (1.0 / (1 << 53))
        return round(modified - fraction * min(365 * 86_400.0, modified - floor), 3)

    def first_modified_at_or_after(self, t: float) -> int:
        """The smallest i whose modified time is >= t (size when none)."""
        return bisect.bisect_left(range(self.size), t, key=self.modified_at)

    def ordered_created_at(self, i: int) -> float:
        """A creation time strictly increasing in i, never after `modified_at(i)`.

        For vendors that list in creation order (Stripe's `created`, Shopify's
        `created_at`): "created in [a, b)" is then an index range, like the
        modified-time filters. The oldest record was created a year before its
        last change, the newest just before it.
        """
        lag = 365 * 86_400.0 * (1.0 - i / max(self.size, 1))
        return round(self.modified_at(i) - lag, 3)

    def first_created_at_or_after(self, t: float) -> int:
        """The smallest i whose `ordered_created_at` is >= t (size when none)."""
        return bisect.bisect_left(range(self.size), t, key=self.ordered_created_at)
