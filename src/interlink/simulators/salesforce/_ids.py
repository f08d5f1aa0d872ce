"""Salesforce record ids: 15 case-sensitive characters plus a 3-character checksum.

An id is a 3-character key prefix naming the object (`003` Contact, `001`
Account, `00D` organisation, `005` user, `01g` query locator), a 2-character
pod, a reserved `0`, and 9 base-62 digits of the record number. The 18-character
form appends a checksum that makes the id safe in case-insensitive systems:
for each 5-character chunk, a 5-bit number whose bit j is set when character j
is an upper-case letter, mapped onto A-Z0-5 (Salesforce's documented scheme).
"""

from __future__ import annotations

__all__ = ["decode_id", "encode_id", "id18"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_POD = "8d0"  # pod "8d" and the reserved character
_DIGITS = 9


def id18(id15: str) -> str:
    """The 18-character form of a 15-character id."""
    suffix = ""
    for chunk in range(3):
        bits = 0
        for j, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << j
        suffix += _CHECKSUM[bits]
    return id15 + suffix


def encode_id(prefix: str, number: int) -> str:
    """The 18-character id of record `number` of the object with this key prefix."""
    digits = ""
    for _ in range(_DIGITS):
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    return id18(prefix + _POD + digits)


def decode_id(prefix: str, value: str) -> int | None:
    """The record number behind a 15- or 18-character id of this object, else None.

    An 18-character id must carry the right checksum, as Salesforce checks it.
    """
    if len(value) not in (15, 18) or not value.startswith(prefix + _POD):
        return None
    if len(value) == 18 and id18(value[:15]) != value:
        return None
    number = 0
    for ch in value[6:15]:
        digit = _BASE62.find(ch)
        if digit < 0:
            return None
        number = number * 62 + digit
    return number
