"""Records: the lazy generated dataset plus an overlay of what changed.

Only created, updated and archived records are held in memory. Generated
record i keeps id `first_id + i` and its modified time is increasing in i, so
both orders a vendor lists in (by id, by modified time) are a *merge* of an
index range of generated records (minus the ones the overlay replaced) with a
small sorted list of overlay records. `OrderedView` computes counts and pages
of that merge at any offset in O(log n + overlay + page), which is what lets a
million-record simulator answer "modified since t, page 9,900" instantly.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from interlink.simulators._dataset import Dataset

__all__ = ["Collection", "OrderedView", "StoredRecord"]

Fields = dict[str, Any]
FieldFactory = Callable[[Dataset, int], Fields]
_MS = 0.001


@dataclass(slots=True)
class StoredRecord:
    """One record as the store knows it; vendors render it in their own shape.

    `revision` is 0 for a generated record nobody touched, which is what makes
    it safe for a vendor to cache its serialised form by id.
    """

    id: int
    created_at: float
    modified_at: float
    fields: Fields
    archived_at: float | None = None
    revision: int = 0

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


@dataclass(slots=True)
class _Overlay:
    records: dict[int, StoredRecord] = field(default_factory=dict)
    touched: list[int] = field(default_factory=list)  # generated indices the overlay replaced
    live_by_id: list[int] = field(default_factory=list)
    live_by_modified: list[tuple[float, int]] = field(default_factory=list)
    archived_by_id: list[int] = field(default_factory=list)


class OrderedView:
    """A sorted sequence = generated indices [lo, hi) minus `touched`, merged with `extra`.

    `gen_key(i)` must be increasing in i and comparable with the keys in `extra`.
    """

    __slots__ = ("_extra", "_gen_key", "_get", "_hi", "_lo", "_positions", "_touched")

    def __init__(
        self,
        lo: int,
        hi: int,
        touched: list[int],
        extra: list[tuple[Any, int]],
        gen_key: Callable[[int], Any],
        get: Callable[[int], StoredRecord],
    ) -> None:
        self._lo, self._hi = lo, max(lo, hi)
        self._touched = touched
        self._extra = extra  # (key, index into nothing: the record id), sorted by key
        self._gen_key = gen_key
        self._get = get
        self._positions = [
            j + self._kept_before(bisect.bisect_left(range(self._lo, self._hi), key, key=gen_key))
            for j, (key, _) in enumerate(extra)
        ]

    def _excluded(self, lo: int, hi: int) -> int:
        return bisect.bisect_left(self._touched, hi) - bisect.bisect_left(self._touched, lo)

    def _kept_before(self, offset: int) -> int:
        """Kept generated records among the first `offset` indices of [lo, hi)."""
        end = self._lo + offset
        return offset - self._excluded(self._lo, end)

    def __len__(self) -> int:
        return self._kept_before(self._hi - self._lo) + len(self._extra)

    def _kept_index(self, rank: int) -> int:
        """The generated index of the rank-th kept record (0-based)."""
        i = self._lo + rank
        for e in self._touched[bisect.bisect_left(self._touched, self._lo) :]:
            if e > i:
                break
            i += 1
        return i

    def slice(self, offset: int, limit: int) -> list[StoredRecord]:
        """Up to `limit` records starting at position `offset` of the merged order."""
        return [self._get(ref) for ref in self.refs(offset, limit)]

    def refs(self, offset: int, limit: int) -> list[int]:
        """Like `slice`, but references (see `Collection.resolve`): no record is built.

        Hot paths use them to serve pristine generated records from a cache.
        """
        j = bisect.bisect_left(self._positions, offset)
        i = self._kept_index(offset - j)
        touched, t = self._touched, bisect.bisect_left(self._touched, i)
        out: list[int] = []
        position = offset
        while len(out) < limit:
            if j < len(self._extra) and self._positions[j] == position:
                out.append(self._extra[j][1])
                j += 1
            else:
                while t < len(touched) and touched[t] < i:
                    t += 1
                while t < len(touched) and touched[t] == i:
                    i, t = i + 1, t + 1
                if i >= self._hi:
                    break
                out.append(-1 - i)
                i += 1
            position += 1
        return out


def _within(t: float, bounds: tuple[float | None, float | None]) -> bool:
    since, before = bounds
    return (since is None or t >= since) and (before is None or t < before)


class Collection:
    """One resource's records: generated lazily from a `Dataset`, changed through an overlay."""

    def __init__(
        self,
        dataset: Dataset,
        factory: FieldFactory,
        *,
        first_id: int = 1,
        creation_ordered: bool = False,
    ) -> None:
        """`creation_ordered`: generated records are created in id order
        (`Dataset.ordered_created_at`), so `by_id` can filter on creation time."""
        self.dataset = dataset
        self._factory = factory
        self.first_id = first_id
        self.creation_ordered = creation_ordered
        self._overlay = _Overlay()
        self._next_id = first_id + dataset.size

    # -- reading --------------------------------------------------------------------------

    def _generated(self, i: int) -> StoredRecord:
        d = self.dataset
        created = d.ordered_created_at(i) if self.creation_ordered else d.created_at(i)
        return StoredRecord(self.first_id + i, created, d.modified_at(i), self._factory(d, i))

    def resolve(self, ref: int) -> StoredRecord:
        """The record behind a view reference: an overlay record id, or -1 - i for
        pristine generated record i (see `pristine_index`)."""
        return self._generated(-1 - ref) if ref < 0 else self._overlay.records[ref]

    def ref_of(self, record: StoredRecord) -> int:
        """The view reference of a record (the inverse of `resolve`)."""
        return -1 - (record.id - self.first_id) if record.revision == 0 else record.id

    @staticmethod
    def pristine_index(ref: int) -> int | None:
        """The generated index when `ref` is an untouched generated record, else None."""
        return -1 - ref if ref < 0 else None

    def get(self, record_id: int, *, archived: bool = False) -> StoredRecord | None:
        """The record with this id, live (or archived when `archived`), else None."""
        found = self._overlay.records.get(record_id)
        if found is None:
            i = record_id - self.first_id
            found = self._generated(i) if 0 <= i < self.dataset.size else None
        if found is None or found.archived != archived:
            return None
        return found

    def by_id(
        self,
        min_id: int = 0,
        before: int | None = None,
        *,
        modified: tuple[float | None, float | None] = (None, None),
        created: tuple[float | None, float | None] = (None, None),
        indices: tuple[int, int] | None = None,
        where: Callable[[StoredRecord], bool] | None = None,
    ) -> OrderedView:
        """Live records with min_id <= id < before, in id order.

        `modified` / `created` = (since, before) narrow it to records modified /
        created in [since, before) (None: unbounded), still in id order, which is
        how vendors that list by id answer "updated_at_min" or "created[gte]".
        Generated records satisfy each as an index range (modified and, for a
        `creation_ordered` collection, created times increase with i); changed
        records are filtered one by one (the overlay is small).

        For a vendor filter on a generated field laid out by index (Shopify's
        "closed orders are the old ones"): `indices` = the generated index range
        [lo, hi) that satisfies it, and `where` the same test for changed records.
        """
        d, o, size = self.dataset, self._overlay, self.dataset.size
        lo = min(size, max(0, min_id - self.first_id))
        hi = size if before is None else min(size, max(0, before - self.first_id))
        if created != (None, None) and not self.creation_ordered:
            raise ValueError("created filters need a creation_ordered collection")
        for (since, until), first_at in (
            (modified, d.first_modified_at_or_after),
            (created, d.first_created_at_or_after),
        ):
            lo = lo if since is None else max(lo, first_at(since))
            hi = hi if until is None else min(hi, first_at(until))
        if indices is not None:
            lo, hi = max(lo, indices[0]), min(hi, indices[1])
        start = bisect.bisect_left(o.live_by_id, min_id)
        stop = len(o.live_by_id) if before is None else bisect.bisect_left(o.live_by_id, before)
        ids = o.live_by_id[start:stop]
        if modified != (None, None) or created != (None, None) or where is not None:
            ids = [
                rid
                for rid in ids
                if _within(o.records[rid].modified_at, modified)
                and _within(o.records[rid].created_at, created)
                and (where is None or where(o.records[rid]))
            ]
        extra = [(rid, rid) for rid in ids]
        return OrderedView(lo, hi, o.touched, extra, lambda i: self.first_id + i, self.resolve)

    def by_modified(
        self,
        since: float | None = None,
        before: float | None = None,
        *,
        include_archived: bool = False,
    ) -> OrderedView:
        """Live records with since <= modified < before, ordered by (modified time, id).

        `include_archived` merges in archived records too (by the time they were
        archived), for vendors whose change feeds report deletions (Pipedrive's
        recents, BambooHR's changed employees).
        """
        d, o = self.dataset, self._overlay
        lo = 0 if since is None else d.first_modified_at_or_after(since)
        hi = d.size if before is None else d.first_modified_at_or_after(before)
        keys = o.live_by_modified
        a = 0 if since is None else bisect.bisect_left(keys, (since, -1))
        b = len(keys) if before is None else bisect.bisect_left(keys, (before, -1))
        extra = [((m, rid), rid) for m, rid in keys[a:b]]
        if include_archived:  # archives are few: they live in the overlay only
            archived = ((o.records[rid].modified_at, rid) for rid in o.archived_by_id)
            extra += [
                ((m, rid), rid)
                for m, rid in archived
                if (since is None or m >= since) and (before is None or m < before)
            ]
            extra.sort()

        def gen_key(i: int) -> tuple[float, int]:
            return (d.modified_at(i), self.first_id + i)

        return OrderedView(lo, hi, o.touched, extra, gen_key, self.resolve)

    def archived_by_id(self, min_id: int = 0) -> list[StoredRecord]:
        """Archived records with id >= min_id, in id order (archives live in the overlay)."""
        o = self._overlay
        start = bisect.bisect_left(o.archived_by_id, min_id)
        return [o.records[rid] for rid in o.archived_by_id[start:]]

    # -- writing --------------------------------------------------------------------------

    def _replace(self, old: StoredRecord | None, new: StoredRecord) -> None:
        o = self._overlay
        if old is not None and old.id in o.records:
            if old.archived:
                o.archived_by_id.remove(old.id)
            else:
                o.live_by_id.remove(old.id)
                o.live_by_modified.remove((old.modified_at, old.id))
        elif old is not None:
            bisect.insort(o.touched, old.id - self.first_id)
        o.records[new.id] = new
        if new.archived:
            bisect.insort(o.archived_by_id, new.id)
        else:
            bisect.insort(o.live_by_id, new.id)
            bisect.insort(o.live_by_modified, (new.modified_at, new.id))

    def create(self, fields: Fields, now: float) -> StoredRecord:
        record = StoredRecord(self._next_id, now, now, dict(fields), revision=1)
        self._next_id += 1
        self._replace(None, record)
        return record

    def update(self, record_id: int, fields: Fields, now: float) -> StoredRecord | None:
        """Merge `fields` into a live record; its modified time moves to `now` (never backwards)."""
        old = self.get(record_id)
        if old is None:
            return None
        modified = max(now, old.modified_at + _MS)
        new = StoredRecord(
            old.id, old.created_at, modified, {**old.fields, **fields}, None, old.revision + 1
        )
        self._replace(old, new)
        return new

    def archive(self, record_id: int, now: float) -> StoredRecord | None:
        old = self.get(record_id)
        if old is None:
            return None
        modified = max(now, old.modified_at + _MS)
        new = StoredRecord(old.id, old.created_at, modified, old.fields, now, old.revision + 1)
        self._replace(old, new)
        return new

    def live_records(self) -> int:
        o = self._overlay
        return self.dataset.size - len(o.touched) + len(o.live_by_id)

    def reset(self) -> None:
        """Forget every change: back to the pristine generated dataset."""
        self._overlay = _Overlay()
        self._next_id = self.first_id + self.dataset.size
