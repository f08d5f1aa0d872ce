"""Live progress of sync runs: one rich bar per (connection, resource), as a `SyncObserver`.

Each bar shows the records seen so far, the requests sent, the retries and the
429s absorbed, updated after every committed page; when the run ends the bar
shows its outcome.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from interlink.store import RunStats, SyncRun
from interlink.sync import SyncJob

__all__ = ["SyncProgress"]

_OUTCOME = {"succeeded": "[green]done[/green]", "deferred": "[yellow]deferred[/yellow]",
            "failed": "[red]failed[/red]"}  # fmt: skip


class SyncProgress:
    """A `SyncObserver` drawing bars; `labels` name connections (e.g. by provider),
    `totals` give a bar its length when the record count is known."""

    def __init__(
        self,
        console: Console | None = None,
        *,
        labels: Mapping[str, str] | None = None,
        totals: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<26}"),
            BarColumn(bar_width=16),
            TextColumn("{task.completed:>7,.0f} rec"),
            TextColumn("{task.fields[requests]:>5,} req"),
            TextColumn("{task.fields[retries]:>3,} retries"),
            TextColumn("{task.fields[absorbed]:>3,} 429s absorbed"),
            TextColumn("{task.fields[outcome]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._labels = dict(labels or {})
        self._totals = dict(totals or {})
        self._tasks: dict[tuple[str, str], TaskID] = {}
        # Records of earlier runs of the same pair (a deferred run resumed later adds to them).
        self._base: dict[tuple[str, str], float] = {}
        self._earlier: dict[tuple[str, str], RunStats] = {}

    def __enter__(self) -> SyncProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def _task(self, connection_id: str, resource: str) -> TaskID:
        key = (connection_id, resource)
        task = self._tasks.get(key)
        if task is None:
            label = self._labels.get(connection_id, connection_id)
            task = self.progress.add_task(
                f"{label} · {resource}", total=self._totals.get(key),
                requests=0, retries=0, absorbed=0, outcome="",
            )  # fmt: skip
            self._tasks[key] = task
        return task

    def start(self, job: SyncJob) -> None:
        """Show the job's bar before its first page arrives (a rerun continues its bar)."""
        key = (job.connection_id, job.resource)
        task = self._task(*key)
        if key in self._base:
            self.progress.start_task(task)
            self.progress.update(task, outcome="[cyan]resuming[/cyan]")

    def note(self, text: str) -> None:
        """A line above the bars."""
        self.progress.console.print(text, highlight=False)

    def _show(self, key: tuple[str, str], stats: RunStats, outcome: str | None = None) -> None:
        base = self._earlier.get(key, RunStats())
        self.progress.update(
            self._task(*key), completed=self._base.get(key, 0) + stats.seen,
            requests=base.requests + stats.requests, retries=base.retries + stats.retries,
            absorbed=base.absorbed_429s + stats.absorbed_429s,
        )  # fmt: skip
        if outcome is not None:
            self.progress.update(self._task(*key), outcome=outcome)

    def on_page(self, job: SyncJob, stats: RunStats) -> None:
        self._show((job.connection_id, job.resource), stats)

    def on_finish(self, run: SyncRun) -> None:
        key = (run.connection_id, run.resource)
        self._show(key, run.stats, outcome=_OUTCOME.get(run.outcome, run.outcome))
        task = self._task(*key)
        self.progress.stop_task(task)
        before = self._earlier.get(key, RunStats())
        self._earlier[key] = RunStats(
            requests=before.requests + run.stats.requests,
            retries=before.retries + run.stats.retries,
            absorbed_429s=before.absorbed_429s + run.stats.absorbed_429s,
        )
        self._base[key] = self._base.get(key, 0) + run.stats.seen
