"""The listing's opaque cursor: where the last page ended, bound to the query it came from.

A cursor is base64url JSON of the last record's (updated_at, id), the store's
keyset order, plus a fingerprint of the filters. Replaying it with other
filters would silently skip or repeat records, so that is refused (400), as
is anything that does not decode. It is opaque to callers: the format may change.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from datetime import datetime

import orjson

from interlink.server._problems import Problem

__all__ = ["decode_cursor", "encode_cursor", "fingerprint"]


def fingerprint(*parts: object) -> str:
    """A short digest of the filters a cursor belongs to."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=6).hexdigest()


def encode_cursor(updated_at: datetime, record_id: str, filters: str) -> str:
    raw = orjson.dumps([updated_at.isoformat(), record_id, filters])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, filters: str) -> tuple[datetime, str]:
    """The (updated_at, id) to continue after; a 400 problem naming `cursor` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = orjson.loads(raw)
        if not isinstance(value, Sequence) or len(value) != 3:
            raise ValueError("not a cursor")
        stamp, record_id, bound = value
        updated_at = datetime.fromisoformat(stamp)
        if not isinstance(record_id, str) or updated_at.tzinfo is None:
            raise ValueError("not a cursor")
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise Problem(
            400,
            "invalid-cursor",
            "query cursor: not a cursor this API returned (pass next_cursor as given)",
        ) from None
    if bound != filters:
        raise Problem(
            400,
            "invalid-cursor",
            "query cursor: it belongs to a listing with other filters; "
            "keep the filters of the first page when paging",
        )
    return updated_at, record_id
