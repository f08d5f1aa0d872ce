"""A bounded memory of record ids, for pages that shift under concurrent inserts.

When a record is inserted before the current offset (or a window boundary is
re-read), records already yielded slide into the next page. Remembering the
most recent ids drops those repeats. The memory is bounded and FIFO, because
shifted records are always recent ones: each id costs about 100-150 bytes
(the id object plus a dict slot), so the default 10,000 ids is ~1.5 MB per
running iteration. Deletions shift the other way and skip records; no id set
can recover those, only a later incremental sync does.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from itertools import islice

from interlink._types import JSON
from interlink.pagination._paths import BodyPath

__all__ = ["SeenIds"]


class SeenIds:
    """The last `limit` ids seen; `fresh(records)` keeps the unseen ones, in order."""

    __slots__ = ("_id", "_ids", "_limit")

    def __init__(self, id_path: BodyPath, limit: int) -> None:
        self._id = id_path
        self._limit = limit
        self._ids: dict[Hashable, None] = {}  # insertion-ordered: the oldest is first

    def __len__(self) -> int:
        return len(self._ids)

    def fresh(self, records: Sequence[JSON]) -> list[JSON]:
        ids = self._ids
        kept: list[JSON] = []
        for record in records:
            key = self._id.get(record)
            if key is None or not isinstance(key, Hashable):
                kept.append(record)  # no usable id: cannot be a known repeat
                continue
            if key in ids:
                continue
            ids[key] = None
            kept.append(record)
        overflow = len(ids) - self._limit
        if overflow > 0:
            for old in list(islice(ids, overflow)):
                del ids[old]
        return kept
