"""Keyset pages over records in id order: "the page after / before record X".

Stripe (`starting_after` / `ending_before`, newest first) and Shopify
(`page_info` cursors carrying the last id, either direction) both page by
record id rather than by offset, so a record created or deleted mid-walk never
shifts a page. This module answers one such page from an id-ordered
`OrderedView` in O(log n + overlay + page), ascending or descending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["IdOrdered", "KeysetPage", "ListView", "ViewById", "keyset_page", "list_view"]


class IdOrdered(Protocol):
    """What a page is cut from: an `OrderedView` by id, or a small `ListView`."""

    def __len__(self) -> int: ...

    def refs(self, offset: int, limit: int) -> list[int]: ...


# (min_id, before) -> the live records with min_id <= id < before, in id order,
# already narrowed by whatever filters the request carried.
ViewById = Callable[[int, int | None], IdOrdered]


class ListView:
    """A short explicit list of (id, ref), sorted by id, cut like an `OrderedView`
    (for filters answered from an index: an email, a list of ids)."""

    __slots__ = ("_items",)

    def __init__(self, items: list[tuple[int, int]]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def refs(self, offset: int, limit: int) -> list[int]:
        return [ref for _, ref in self._items[offset : offset + limit]]


def list_view(items: list[tuple[int, int]]) -> ViewById:
    """A `ViewById` over (id, ref) pairs (any order)."""
    ordered = sorted(items)

    def view(min_id: int, before: int | None) -> IdOrdered:
        return ListView(
            [x for x in ordered if x[0] >= min_id and (before is None or x[0] < before)]
        )

    return view


@dataclass(frozen=True, slots=True)
class KeysetPage:
    refs: list[int]  # view references (see `Collection.resolve`), in display order
    has_more: bool  # more records lie beyond the page in the direction of travel


def keyset_page(
    view: ViewById,
    limit: int,
    *,
    descending: bool,
    after: int | None = None,
    before: int | None = None,
) -> KeysetPage:
    """One page in display order (ids descending or ascending).

    `after=X`: the first `limit` records that come after X in display order
    (the next page); `before=X`: the `limit` records just before X (the
    previous page), still in display order. Neither: the first page.
    """
    if after is not None and before is not None:
        raise ValueError("give after or before, not both")
    backwards = before is not None
    anchor = before if backwards else after
    # In id terms: are we taking the records above the anchor id, or below it?
    above = descending == backwards
    if anchor is None:
        records = view(0, None)
    elif above:
        records = view(anchor + 1, None)
    else:
        records = view(0, anchor)
    total = len(records)
    # The page sits next to the anchor: at the low end of the ids above it, at the high
    # end of the ids below it. With no anchor, at the end display order starts from.
    take_low = above if anchor is not None else not descending
    count = min(limit, total)
    refs = records.refs(0 if take_low else total - count, count)
    if descending:
        refs.reverse()
    return KeysetPage(refs, total > limit)
