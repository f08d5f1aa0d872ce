"""Watching runs as they go: progress bars, metrics, logs plug in here."""

from __future__ import annotations

from typing import Protocol

from interlink.store import RunStats, SyncRun
from interlink.sync._job import SyncJob

__all__ = ["SyncObserver"]


class SyncObserver(Protocol):
    """Told about every committed page and every finished run. Must not block: it is
    called on the engine's event loop, between pages."""

    def on_page(self, job: SyncJob, stats: RunStats) -> None:
        """A page was committed; `stats` are the run's totals so far."""
        ...

    def on_finish(self, run: SyncRun) -> None:
        """The run ended (succeeded, deferred or failed), as the store recorded it."""
        ...
