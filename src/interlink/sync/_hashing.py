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
    or says so itself (`remote_was_deleted`)."""
    data = record.model_dump(mode="json", exclude=_EXCLUDE)
    remote = record.remote_data
    return PreparedRecord(
        record.id,
        record.remote_id,
        data,
        remote,
        content_hash(data, remote),
        record.modified_at,
        deleted or record.remote_was_deleted,
    )
