"""What a runner asks the engine to do: sync one resource of one connection."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SyncJob"]


@dataclass(frozen=True, slots=True)
class SyncJob:
    """Sync `resource` of `connection_id`: incremental from the watermark, or a full
    listing with `full=True` (which also reconciles deletions)."""

    connection_id: str
    resource: str
    full: bool = False
