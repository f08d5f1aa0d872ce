"""The `interlink_sync_*` metrics, read from the store when /metrics is scraped.

Whichever process ran a sync (this server's embedded runner, a Celery
worker, `interlink sync`), its run is recorded in the store, so the store is
where these figures come from: every run counts once, on every server
replica alike, and a restart loses nothing. Two grouped queries per scrape:

- runs and records per (provider, resource, outcome), over finished runs;
- each (connection, resource)'s two latest successful starts: its last
  success, and the lag between them (a bound on the data's age).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import func, select

from interlink.store._tables import connections, sync_runs

if TYPE_CHECKING:
    from interlink.store import Store

__all__ = ["RunMetrics"]

_KINDS = ("created", "updated", "deleted")


def _families() -> tuple[
    CounterMetricFamily, CounterMetricFamily, GaugeMetricFamily, GaugeMetricFamily
]:
    runs = CounterMetricFamily(
        "interlink_sync_runs", "Finished sync runs by outcome",
        labels=["provider", "resource", "outcome"],
    )  # fmt: skip
    records = CounterMetricFamily(
        "interlink_sync_records", "Records written by sync runs, by change kind",
        labels=["provider", "resource", "kind"],
    )  # fmt: skip
    lag = GaugeMetricFamily(
        "interlink_sync_lag_seconds",
        "Seconds between a connection's successful run's start and its previous one's "
        "(a bound on the data's age)",
        labels=["provider", "connection_id", "resource"],
    )
    last = GaugeMetricFamily(
        "interlink_sync_last_success_timestamp",
        "When a connection's resource last synced successfully (Unix time)",
        labels=["provider", "connection_id", "resource"],
    )
    return runs, records, lag, last


class RunMetrics:
    """A Prometheus collector over the store's sync runs (register it on a registry)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def describe(self) -> Iterator[Metric]:
        """The families, without reading the store (the registry checks names with it)."""
        yield from _families()

    def collect(self) -> Iterator[Metric]:
        runs, records, lag, last = _families()
        for provider, resource, outcome, count, *kinds in self._totals():
            runs.add_metric([provider, resource, outcome], count)
            for kind, total in zip(_KINDS, kinds, strict=True):
                records.add_metric([provider, resource, kind], total)
        previous: dict[tuple[str, str], float] = {}
        for provider, connection_id, resource, rank, started in self._latest_successes():
            labels = [provider, connection_id, resource]
            if rank == 1:
                last.add_metric(labels, started)
                previous[(connection_id, resource)] = started
            else:
                newest = previous[(connection_id, resource)]
                lag.add_metric(labels, max(0.0, newest - started))
        yield from (runs, records, lag, last)

    def _totals(self) -> list[tuple[str, str, str, float, float, float, float]]:
        """(provider, resource, outcome, runs, created, updated, deleted) of finished runs."""
        query = (
            select(
                connections.c.provider, sync_runs.c.resource, sync_runs.c.outcome, func.count(),
                *(func.coalesce(func.sum(sync_runs.c[kind]), 0) for kind in _KINDS),
            )
            .join(connections, connections.c.id == sync_runs.c.connection_id)
            .where(sync_runs.c.outcome != "running")
            .group_by(connections.c.provider, sync_runs.c.resource, sync_runs.c.outcome)
        )  # fmt: skip
        with self._store._read("count sync runs for /metrics") as conn:
            return [(row[0], row[1], row[2], *map(float, row[3:])) for row in conn.execute(query)]

    def _latest_successes(self) -> list[tuple[str, str, str, int, float]]:
        """(provider, connection, resource, 1 or 2, start) of each pair's two latest
        successful runs, newest first."""
        rank = (
            func.row_number()
            .over(
                partition_by=(sync_runs.c.connection_id, sync_runs.c.resource),
                order_by=(sync_runs.c.started_at.desc(), sync_runs.c.id.desc()),
            )
            .label("rank")
        )
        ranked = (
            select(sync_runs.c.connection_id, sync_runs.c.resource, sync_runs.c.started_at, rank)
            .where(sync_runs.c.outcome == "succeeded")
            .subquery()
        )
        query = (
            select(
                connections.c.provider, ranked.c.connection_id, ranked.c.resource,
                ranked.c.rank, ranked.c.started_at,
            )
            .join(connections, connections.c.id == ranked.c.connection_id)
            .where(ranked.c.rank <= 2)
            .order_by(ranked.c.connection_id, ranked.c.resource, ranked.c.rank)
        )  # fmt: skip
        with self._store._read("read last sync successes for /metrics") as conn:
            return [
                (row[0], row[1], row[2], int(row[3]), row[4].timestamp())
                for row in conn.execute(query)
            ]
