"""CPython's cyclic garbage collector, tuned for Interlink's long-running processes.

With the interpreter's defaults a sync spent about a quarter of its CPU in the
collector (bench/sync.py: ~80 -> ~60 µs of CPU per record with this tuning).
Every page allocates thousands of containers (the vendor's JSON, mapped
dicts, validated models) that stay alive until the page commits: they outlive
the young generation's collection, which runs every 700 allocations, get
promoted, and are traversed again by the older generations' collections,
together with every long-lived object the imports created. Two changes:

- the young generation is collected every 10,000 allocations, so most of a
  page's objects die by reference counting before a collection sees them
  (cyclic garbage waits for at most that many allocations more);
- the objects alive once the process has set up (modules, classes, compiled
  mappings and schemas, pools) are frozen out of every later collection
  (`gc.freeze`), which also keeps their memory pages shared after a fork
  (Celery's prefork workers), as the `gc` documentation recommends.

This is process policy, so the library never applies it by itself: the
`interlink` console script calls `enable()` first thing, and the store calls
`settle()` when it opens (by then the heavy imports are done), which does
nothing unless the process enabled the tuning. Tests that run the CLI in
process keep CPython's defaults.
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "disable", "enable", "settle"]

YOUNG_THRESHOLD = 10_000
"""Allocations between two collections of the young generation (CPython's default: 700)."""

_enabled = False
_settled = False
_defaults = gc.get_threshold()


def enable() -> None:
    """Tune this process's collector: a larger young generation now, a freeze at `settle()`."""
    global _enabled
    _enabled = True
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)


def settle() -> None:
    """Freeze what the process holds once it has set up (once per process; a no-op unless
    `enable()` was called)."""
    global _settled
    if not _enabled or _settled:
        return
    _settled = True
    gc.collect()  # nothing that is already garbage gets frozen for good
    gc.freeze()


def disable() -> None:
    """Back to CPython's defaults: the thresholds as they were, nothing frozen."""
    global _enabled, _settled
    _enabled = _settled = False
    gc.set_threshold(*_defaults)
    gc.unfreeze()
