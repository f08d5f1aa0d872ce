"""A cache of the serialised bytes of pristine generated records.

A generated record nobody changed renders the same forever, so a list page
can be assembled from cached JSON fragments instead of building and encoding
each record again: this is what keeps 100-record pages in the thousands per
second. Changed records (overlay refs) are always rendered fresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from interlink.simulators._store import Collection, StoredRecord

__all__ = ["PristineCache"]

_CACHE_LIMIT = 100_000


class PristineCache:
    __slots__ = ("_cache", "_limit")

    def __init__(self, limit: int = _CACHE_LIMIT) -> None:
        self._cache: dict[tuple[Hashable, int], bytes] = {}
        self._limit = limit

    def fragments(
        self,
        collection: Collection,
        refs: Iterable[int],
        render: Callable[[StoredRecord], bytes],
        variant: Hashable = None,
    ) -> list[bytes]:
        """The JSON of each ref's record; `variant` keys renderings that differ
        (the resource, a field selection)."""
        out: list[bytes] = []
        cache = self._cache
        for ref in refs:
            index = collection.pristine_index(ref)
            if index is None:
                out.append(render(collection.resolve(ref)))
                continue
            key = (variant, index)
            fragment = cache.get(key)
            if fragment is None:
                if len(cache) >= self._limit:
                    cache.clear()  # crude but O(1) amortised; a page rarely spans a clear
                fragment = cache[key] = render(collection.resolve(ref))
            out.append(fragment)
        return out

    def clear(self) -> None:
        self._cache.clear()
