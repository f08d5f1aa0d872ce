"""The scheduler: each (connection, resource) runs at its interval, through any `Runner`.

```python
scheduler = Scheduler(store, runner, clock=SystemClock(), interval_for=settings_intervals)
await scheduler.serve()             # tick, sleep `poll`, tick ... until stopped
```

A pair is due when its checkpoint's `next_run_at` has passed, or when it has
never been scheduled. The scheduler owns `next_run_at`: when it submits a job it
first moves `next_run_at` to now + the interval (a claim, committed before the run
starts, so the run's own checkpoint writes carry it). The engine overrides it only
to defer a run (budget spent, circuit open) to the vendor's reset time. A job that
fails, or a process that dies, is therefore retried one interval later, never in a
tight loop. Pairs the runner is still running are never touched, so the claim never
races the engine's checkpoint writes.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from interlink._clock import Clock
from interlink.connectors import ConnectorRegistry
from interlink.store import AsyncStore, ConnectionRow
from interlink.sync._job import SyncJob
from interlink.sync._runner import Runner

__all__ = ["IntervalFor", "ResourcesFor", "Scheduler", "listable_resources"]

IntervalFor = Callable[[ConnectionRow, str], timedelta]
"""How often a connection's resource is synced."""
ResourcesFor = Callable[[ConnectionRow], Sequence[str]]
"""Which resources of a connection are synced."""


def listable_resources(registry: ConnectorRegistry | None = None) -> ResourcesFor:
    """Every resource of the connection's provider that can be listed, or those named by
    the connection's `settings["resources"]`."""
    registry = registry or ConnectorRegistry.default()

    def resources(connection: ConnectionRow) -> Sequence[str]:
        chosen = connection.settings.get("resources")
        if chosen:
            return [str(name) for name in chosen]
        spec = registry.get(connection.provider)
        return [name for name, r in spec.resources.items() if r.supports("list")]

    return resources


class Scheduler:
    """Submits due (connection, resource) jobs to a runner, tick after tick."""

    def __init__(
        self,
        store: AsyncStore,
        runner: Runner,
        *,
        clock: Clock,
        interval_for: IntervalFor,
        resources_for: ResourcesFor | None = None,
        poll: float = 5.0,
    ) -> None:
        if poll <= 0:
            raise ValueError(f"poll must be > 0 seconds, got {poll}")
        self.store = store
        self.runner = runner
        self.clock = clock
        self.interval_for = interval_for
        self.resources_for = resources_for or listable_resources()
        self.poll = poll
        self._known: set[tuple[str, str]] = set()  # pairs whose checkpoint carries next_run_at

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.time(), UTC)

    def _interval(self, connection: ConnectionRow, resource: str) -> timedelta:
        # A connection may set its own interval per resource, in seconds.
        own = connection.settings.get("intervals", {}).get(resource)
        if own is not None:
            return timedelta(seconds=float(own))
        return self.interval_for(connection, resource)

    async def tick(self) -> list[SyncJob]:
        """Submit every due pair that is not already running; the jobs submitted.

        Two queries a tick (the connections, the due checkpoints); a pair is read on its
        own only the first time this scheduler meets it, to learn whether it was ever
        scheduled (a pair never synced has no checkpoint to be due)."""
        now = self._now()
        busy = self.runner.active()
        due = {(cp.connection_id, cp.resource): cp for cp in await self.store.due_checkpoints(now)}
        submitted: list[SyncJob] = []
        for connection in await self.store.list_connections():
            if connection.status != "active":
                continue
            for resource in self.resources_for(connection):
                key = (connection.id, resource)
                if key in busy:
                    continue
                checkpoint = due.get(key)
                if checkpoint is None:
                    if key in self._known:
                        continue  # scheduled, and not due yet
                    checkpoint = await self.store.get_checkpoint(*key)
                    self._known.add(key)
                    if checkpoint.next_run_at is not None and checkpoint.next_run_at > now:
                        continue
                claim = now + self._interval(connection, resource)
                await self.store.save_checkpoint(dataclasses.replace(checkpoint, next_run_at=claim))
                job = SyncJob(connection.id, resource)
                self.runner.submit(job)
                submitted.append(job)
        return submitted

    async def serve(self, *, stop: asyncio.Event | None = None, ticks: int | None = None) -> None:
        """Tick every `poll` seconds until `stop` is set (or `ticks` ticks have run)."""
        done = 0
        while not (stop is not None and stop.is_set()) and (ticks is None or done < ticks):
            await self.tick()
            done += 1
            await self.clock.sleep(self.poll)
