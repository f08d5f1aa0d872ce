"""Missed webhooks: the changes the scheduled sync found that no webhook had delivered.

The sync is the safety net. A change a webhook delivered is already in the
store when the sync reads the record, so the sync sees the same content hash
and counts nothing; every record a sync run creates, updates or deletes is
therefore a change no webhook delivered (dropped, not subscribed, or not yet
arrived). Counted from sync runs that started after the connection received
its first webhook: before that, the sync's changes are the initial load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from interlink.store import Store, SyncRun
from interlink.webhooks._inbox import Inbox
from interlink.webhooks._tables import inbox as inbox_table

__all__ = ["MissedWebhooks", "missed_webhooks"]


@dataclass(frozen=True, slots=True)
class MissedWebhooks:
    """One (connection, resource): changes sync runs found that webhooks had not delivered."""

    connection_id: str
    resource: str
    since: datetime
    runs: int
    created: int
    updated: int
    deleted: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.deleted


def missed_webhooks(store: Store, connection_ids: Sequence[str]) -> list[MissedWebhooks]:
    """Per connection and resource, for each of `connection_ids` that has received webhooks."""
    inbox = Inbox.for_store(store)
    report: list[MissedWebhooks] = []
    for connection_id in connection_ids:
        with inbox.read("finding a connection's first webhook") as conn:
            first = conn.execute(
                select(func.min(inbox_table.c.received_at)).where(
                    inbox_table.c.connection_id == connection_id
                )
            ).scalar()
        if first is None:
            continue  # no webhook ever: nothing was missed that could have been delivered
        runs = [
            run
            for run in store.list_runs(connection_id=connection_id, limit=1_000_000)
            if run.started_at >= first
        ]
        by_resource: dict[str, list[SyncRun]] = {}
        for run in runs:
            by_resource.setdefault(run.resource, []).append(run)
        for resource, found in sorted(by_resource.items()):
            report.append(
                MissedWebhooks(
                    connection_id,
                    resource,
                    first,
                    len(found),
                    sum(r.stats.created for r in found),
                    sum(r.stats.updated for r in found),
                    sum(r.stats.deleted for r in found),
                )
            )
    return report
