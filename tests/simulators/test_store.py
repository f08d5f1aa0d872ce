"""The overlay store: merged views stay exact against a brute-force model under random changes."""

from __future__ import annotations

import itertools
import random

from interlink.simulators import Collection, Dataset


def _collection(size: int) -> Collection:
    return Collection(Dataset("things", size, seed=5), lambda d, i: {"n": i}, first_id=100)


def test_modified_times_increase_with_index() -> None:
    """Generated modified times are strictly increasing in the index, and created <= modified."""
    d = Dataset("things", 10_000, seed=1)
    times = [d.modified_at(i) for i in range(10_000)]
    assert all(a < b for a, b in itertools.pairwise(times))
    assert all(d.created_at(i) <= d.modified_at(i) for i in range(0, 10_000, 97))
    assert d.first_modified_at_or_after(times[1234]) == 1234


def test_views_match_a_brute_force_model() -> None:
    """by_id and by_modified give the same counts and slices as sorting every live record."""
    rng = random.Random(11)
    coll = _collection(300)
    now = Dataset("things", 300, seed=5).anchor
    for _ in range(120):
        op, rid = rng.random(), rng.randrange(100, 100 + 320)
        now += rng.choice((0.0, 1.0))
        if op < 0.4:
            coll.update(rid, {"n": -1}, now)
        elif op < 0.6:
            coll.archive(rid, now)
        else:
            coll.create({"n": -2}, now)
    live = [r for rid in range(100, 100 + 300 + 200) if (r := coll.get(rid)) is not None]
    assert coll.live_records() == len(live)
    by_id = sorted(live, key=lambda r: r.id)
    by_modified = sorted(live, key=lambda r: (r.modified_at, r.id))
    for offset in (0, 1, 57, 150, len(live) - 3):
        assert [r.id for r in coll.by_id().slice(offset, 40)] == [
            r.id for r in by_id[offset : offset + 40]
        ]
        got = [r.id for r in coll.by_modified().slice(offset, 40)]
        assert got == [r.id for r in by_modified[offset : offset + 40]]
    t = by_modified[len(live) // 2].modified_at
    since = [r.id for r in by_modified if r.modified_at >= t]
    view = coll.by_modified(since=t)
    assert len(view) == len(since)
    assert [r.id for r in view.slice(0, 10_000)] == since
    assert len(coll.by_id(250, 300)) == len([r for r in live if 250 <= r.id < 300])
