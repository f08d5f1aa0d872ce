"""Issues of one state, in number or update order, paged by offset over a million lazily.

`state=open` keeps only some generated issues, so its pages are not an index
range. But the closed ones follow a fixed pattern (`generated_closed`), so the
kept indices can be *renumbered*: the j-th open generated issue has an index
computable in O(1), and how many open ones lie below an index too. An
`OrderedView` over that renumbered space, merged with the changed issues
(tracked by the simulator: they are few), answers counts and pages in
O(log n + changes + page) like every other view.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from interlink.simulators._store import Collection, OrderedView, StoredRecord
from interlink.simulators.github._objects import CLOSED_RESIDUES, PERIOD

__all__ = ["IssueView", "changed_records", "issue_view"]

_OPEN_RESIDUES = tuple(r for r in range(PERIOD) if r not in CLOSED_RESIDUES)
_KEPT = {"open": _OPEN_RESIDUES, "closed": CLOSED_RESIDUES, "all": tuple(range(PERIOD))}


class _Renumbering:
    """Generated indices whose residue mod PERIOD is in `residues`, numbered 0, 1, 2..."""

    __slots__ = ("_below", "_residues")

    def __init__(self, residues: tuple[int, ...]) -> None:
        self._residues = residues
        self._below = [sum(1 for r in residues if r < x) for x in range(PERIOD + 1)]

    def kept(self, i: int) -> bool:
        return i % PERIOD in self._residues

    def rank(self, i: int) -> int:
        """How many kept indices are < i."""
        q, r = divmod(i, PERIOD)
        return q * len(self._residues) + self._below[r]

    def index(self, j: int) -> int:
        """The generated index of the j-th kept one."""
        q, r = divmod(j, len(self._residues))
        return q * PERIOD + self._residues[r]


class IssueView:
    """A page-able view whose refs are ordinary `Collection` refs (see `Collection.resolve`)."""

    __slots__ = ("_inner", "_numbering")

    def __init__(self, inner: OrderedView, numbering: _Renumbering) -> None:
        self._inner, self._numbering = inner, numbering

    def __len__(self) -> int:
        return len(self._inner)

    def refs(self, offset: int, limit: int) -> list[int]:
        index = self._numbering.index
        return [
            ref if ref >= 0 else -1 - index(-1 - ref) for ref in self._inner.refs(offset, limit)
        ]


def issue_view(
    issues: Collection,
    changed: Iterable[StoredRecord],
    *,
    state: str,
    by_update: bool,
    since: float | None,
) -> IssueView:
    """Live issues of `state` (open, closed, all) updated at or after `since`, ordered by
    number (creation) or by (updated_at, number). `changed` are the issues the API changed
    or created (they override their generated versions)."""
    d, first = issues.dataset, issues.first_id
    numbering = _Renumbering(_KEPT[state])
    lo = 0 if since is None else d.first_modified_at_or_after(since)
    changed = list(changed)
    touched = sorted(
        numbering.rank(i)
        for rec in changed
        if 0 <= (i := rec.id - first) < d.size and numbering.kept(i)
    )
    wanted = [
        rec for rec in changed
        if not rec.archived and (state == "all" or rec.fields["state"] == state)
        and (since is None or rec.modified_at >= since)
    ]  # fmt: skip

    def index(j: int) -> int:
        return numbering.index(j)

    extra: list[tuple[Any, int]]
    if by_update:
        extra = sorted(((r.modified_at, r.id), r.id) for r in wanted)

        def key(j: int) -> Any:
            i = index(j)
            return (d.modified_at(i), first + i)
    else:
        extra = sorted((r.id, r.id) for r in wanted)

        def key(j: int) -> Any:
            return first + index(j)

    inner = OrderedView(
        numbering.rank(lo), numbering.rank(d.size), touched, extra, key, issues.resolve
    )
    return IssueView(inner, numbering)


def changed_records(issues: Collection, numbers: Iterable[int]) -> list[StoredRecord]:
    """The current records of the issue numbers the API touched (sorted, unique)."""
    out = []
    for n in sorted(set(numbers)):
        rec = issues.get(n)
        if rec is not None:
            out.append(rec)
    return out
