"""Schema drift seen while syncing, persisted per page: what a vendor started or stopped sending.

The mapping's `DriftDetector` profiles the raw records of each page of the
main listing (a dict lookup per record for shapes already seen); a page that
drifted records its findings with `store.record_drift`, which counts how many
pages showed each one. Findings name fields and types, never values. The
baseline is loaded from the checkpoint (`Checkpoint.drift_profile`) and saved
with the run's final one, so a field that appears between two runs is reported
by the second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime

from interlink.client import MappedPage
from interlink.connectors import ResourceSpec
from interlink.store import AsyncStore

__all__ = ["DriftWatch"]


class DriftWatch:
    """One detector per run of a resource; writes go to the store in the background,
    in order, and `flush` waits for them."""

    __slots__ = ("_connection_id", "_detector", "_now", "_pending", "_resource", "_store")

    def __init__(
        self,
        store: AsyncStore,
        spec: ResourceSpec,
        connection_id: str,
        now: Callable[[], datetime],
        profile: Mapping[str, str] | None = None,
    ) -> None:
        self._store = store
        self._detector = spec.mapping.drift_detector(profile or None)
        self._connection_id = connection_id
        self._resource = spec.name
        self._now = now
        self._pending: list[asyncio.Future[None]] = []

    def observe(self, page: MappedPage) -> None:
        detector = self._detector
        detector.observe(page.raw)
        findings = detector.take()
        if findings:
            self._pending.append(
                asyncio.ensure_future(
                    self._store.record_drift(
                        self._connection_id,
                        self._resource,
                        [(f.kind, f.field, f.detail) for f in findings],
                        self._now(),
                    )
                )
            )

    def profile(self) -> dict[str, str]:
        """The baseline to save with the run's checkpoint (empty: nothing observed yet)."""
        return self._detector.profile()

    async def flush(self) -> None:
        pending, self._pending = self._pending, []
        for write in pending:
            await write
