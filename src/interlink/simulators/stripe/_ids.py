"""Stripe-style object ids (`cus_Oaxlz8kB0PJWGa`) that map back to store ids.

The store numbers records `first_id + i`; Stripe ids are prefixed random-looking
base62 strings. A keyed permutation of the integer (multiply by a constant
invertible modulo 62^length, add an offset) gives ids that look random, are
stable across runs, and decode back to the store id without any lookup table:
which is what lets a million-customer simulator resolve `cus_...` lazily.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["IdCodec"]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
# Reduced modulo 62^length and nudged until invertible; large, so small ids spread over
# every character instead of showing leading zeros.
_MULTIPLIER = 0x9E3779B97F4A7C15F39CC0605CEDC8341082276BF3A27251F86C6A11D0C18E95


@dataclass(frozen=True, slots=True)
class IdCodec:
    prefix: str  # "cus_"
    length: int  # characters after the prefix
    _modulus: int = field(init=False, repr=False)
    _multiplier: int = field(init=False, repr=False)
    _inverse: int = field(init=False, repr=False)
    _offset: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        modulus = len(_ALPHABET) ** self.length
        multiplier = _MULTIPLIER % modulus
        while math.gcd(multiplier, modulus) != 1:
            multiplier += 1
        offset = sum(ord(c) << (7 * k) for k, c in enumerate(self.prefix)) * 7_919 % modulus
        object.__setattr__(self, "_modulus", modulus)
        object.__setattr__(self, "_multiplier", multiplier)
        object.__setattr__(self, "_inverse", pow(multiplier, -1, modulus))
        object.__setattr__(self, "_offset", offset)

    def encode(self, n: int) -> str:
        x = (n * self._multiplier + self._offset) % self._modulus
        chars = []
        for _ in range(self.length):
            x, digit = divmod(x, len(_ALPHABET))
            chars.append(_ALPHABET[digit])
        return self.prefix + "".join(reversed(chars))

    def decode(self, value: str) -> int | None:
        """The store id behind `value`, or None when it is not one of ours."""
        body = value[len(self.prefix) :]
        if not value.startswith(self.prefix) or len(body) != self.length:
            return None
        x = 0
        for c in body:
            digit = _INDEX.get(c)
            if digit is None:
                return None
            x = x * len(_ALPHABET) + digit
        return (x - self._offset) * self._inverse % self._modulus
