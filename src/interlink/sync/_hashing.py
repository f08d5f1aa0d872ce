"""A mapped record as the store takes it, with the content hash that makes re-syncs cheap.

The hash covers the unified fields and the vendor's raw payload, serialised by
orjson with sorted keys (so key order never reads as a change) and digested
with BLAKE2b. A record whose hash equals the stored one is not written and
emits no change event.
"""

from __future__ import annotations

from hashlib import blake2b
from typing import Any

import orjson

from interlink.models import UnifiedRecord
from interlink.store import PreparedRecord

__all__ = ["content_hash", "prepare"]

_SORTED = orjson.OPT_SORT_KEYS
_EXCLUDE = {"remote_data"}


def content_hash(data: Any, remote_data: Any) -> str:
    """The hex BLAKE2b-128 digest of (data, remote_data) as sorted-key JSON."""
    return blake2b(orjson.dumps((data, remote_data), option=_SORTED), digest_size=16).hexdigest()


def prepare(record: UnifiedRecord, *, deleted: bool = False) -> PreparedRecord:
    """`record` ready to upsert; `deleted` when it came from the vendor's deleted listing
    or says so itself (`remote_was_deleted`).

    Each half is serialised once: the bytes hashed are the bytes stored. orjson
    writes the pair `(data, remote)` as `[` data `,` remote `]`, so the digest
    is exactly `content_hash(data, remote)`'s.
    """
    # What `model_dump` calls, without its Python wrapper (a microsecond or two a record).
    data = record.__pydantic_serializer__.to_python(record, mode="json", exclude=_EXCLUDE)
    remote = record.remote_data
    data_json = orjson.dumps(data, option=_SORTED)
    remote_json = orjson.dumps(remote, option=_SORTED)
    digest = blake2b(b"[%b,%b]" % (data_json, remote_json), digest_size=16).hexdigest()
    return PreparedRecord(
        record.id,
        record.remote_id,
        data,
        remote,
        digest,
        record.modified_at,
        deleted or record.remote_was_deleted,
        data_json.decode(),
        remote_json.decode(),
    )
