"""`interlink sync [CONNECTION] [--resource R] [--full]`: sync now, with live progress.

Without a connection every active connection is synced; without `--resource`
every listable resource of each. Runs go through the embedded runner (at most
`concurrency` at once, one per connection and resource), and each is recorded in
the store (`interlink runs`). Exit 1 when a run failed; a deferred run (budget
spent, circuit open) is not a failure: it resumes at its next attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape as rich_escape

from interlink._errors import ConfigError
from interlink.cli._app import app
from interlink.cli._connections import get_connection
from interlink.cli._runs import run_row, runs_table
from interlink.cli._runtime import (
    cli_errors,
    fail,
    opened,
    out,
    print_json,
    settings_from_cli,
    since,
    stderr,
)

if TYPE_CHECKING:
    from interlink.settings import Settings
    from interlink.store import ConnectionRow, RunStats, Store, SyncRun
    from interlink.sync import SyncJob
    from interlink.vault import Vault


def plan(
    store: Store, connection: str | None, resource: str | None, *, full: bool
) -> list[SyncJob]:
    """The jobs a `sync` invocation asks for; bad names are ConfigErrors naming the known."""
    from interlink.connectors import ConnectorRegistry
    from interlink.sync import SyncJob, listable_resources

    registry = ConnectorRegistry.default()
    if connection is not None:
        chosen: list[ConnectionRow] = [get_connection(store, connection)]
    else:
        chosen = [c for c in store.list_connections() if c.status == "active"]
    listable = listable_resources(registry)
    jobs: list[SyncJob] = []
    for row in chosen:
        names = listable(row)
        if resource is None:
            jobs += [SyncJob(row.id, name, full=full) for name in names]
        elif resource in names:
            jobs.append(SyncJob(row.id, resource, full=full))
        elif connection is not None:
            raise ConfigError(
                "--resource", f"{row.provider} has no resource {resource!r}; known: "
                f"{', '.join(names)}"
            )  # fmt: skip
    if resource is not None and not jobs:
        raise ConfigError("--resource", f"no active connection has a resource {resource!r}")
    return jobs


async def _run(
    settings: Settings, store: Store, vault: Vault, jobs: list[SyncJob], console: Console | None
) -> tuple[list[SyncRun], list[str]]:
    from interlink.cli._progress import SyncProgress
    from interlink.cli._stack import sync_stack

    labels = {row.id: row.provider for row in store.list_connections()}
    progress = SyncProgress(console, labels=labels)
    async with sync_stack(settings, store, vault, observer=progress) as stack:
        with progress:
            for job in jobs:
                progress.start(job)
                stack.runner.submit(job)
            runs = await stack.runner.join()
        failures = [f"{f.job.connection_id} {f.job.resource}: {f.error}"
                    for f in stack.runner.failures]  # fmt: skip
    return runs, failures


class RunLines:
    """A `SyncObserver` printing one line per finished run (for `--watch`)."""

    def __init__(self, console: Console, labels: dict[str, str]) -> None:
        self.console = console
        self.labels = labels

    def on_page(self, job: SyncJob, stats: RunStats) -> None:
        return None

    def on_finish(self, run: SyncRun) -> None:
        s = run.stats
        label = self.labels.get(run.connection_id, run.connection_id)
        line = (
            f"{since(run.finished_at)}  {label} {run.resource}: {run.outcome} ({run.mode}), "
            f"{s.seen:,} seen +{s.created:,} ~{s.updated:,} -{s.deleted:,}, "
            f"{s.requests:,} requests"
        )
        if run.error:
            line += f"; {run.error.splitlines()[0][:120]}"
        self.console.print(rich_escape(line), highlight=False)


async def watch(
    settings: Settings,
    store: Store,
    vault: Vault,
    *,
    console: Console,
    connection: str | None = None,
    resource: str | None = None,
    poll: float = 5.0,
    stop: asyncio.Event | None = None,
    ticks: int | None = None,
) -> None:
    """The scheduler over the embedded runner: each resource (of `connection`, only
    `resource` when given) runs at its interval until stopped."""
    from interlink._clock import SystemClock
    from interlink.cli._stack import sync_stack
    from interlink.sync import Scheduler, listable_resources

    listable = listable_resources()

    def resources_for(row: ConnectionRow) -> list[str]:
        if connection is not None and row.id != connection:
            return []
        return [name for name in listable(row) if resource in (None, name)]

    labels = {row.id: row.provider for row in store.list_connections()}
    async with sync_stack(settings, store, vault, observer=RunLines(console, labels)) as stack:
        scheduler = Scheduler(
            stack.store, stack.runner, clock=SystemClock(), poll=poll,
            interval_for=lambda row, name: settings.interval_for(row.provider, name),
            resources_for=resources_for,
        )  # fmt: skip
        await scheduler.serve(stop=stop, ticks=ticks)
        await stack.runner.join()


@app.command()
def sync(
    connection: Annotated[
        str | None, typer.Argument(help="The connection's id (default: every active one).")
    ] = None,
    resource: Annotated[str | None, typer.Option("--resource", help="Only this resource.")] = None,
    full: Annotated[
        bool, typer.Option("--full", help="A full listing, reconciling deletions.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
    keep_watching: Annotated[
        bool,
        typer.Option("--watch", help="Keep syncing each resource at its interval (Ctrl-C stops)."),
    ] = False,
) -> None:
    """Sync connections now, with live progress; the runs are recorded in the store."""
    if keep_watching and (full or as_json):
        raise fail("--watch runs incremental syncs and prints lines: no --full or --json", code=2)
    with cli_errors():
        settings = settings_from_cli()
        with opened(settings) as (store, vault):
            jobs = plan(store, connection, resource, full=full)
            if keep_watching:
                lines = out()
                lines.print("watching: each resource syncs at its interval; Ctrl-C stops")
                with contextlib.suppress(KeyboardInterrupt):
                    asyncio.run(watch(settings, store, vault, console=lines,
                                      connection=connection, resource=resource))  # fmt: skip
                return
            if not jobs:
                raise fail("nothing to sync: no active connection (see `interlink connections`)")
            console = None if not as_json else Console(stderr=True, quiet=True)
            runs, failures = asyncio.run(_run(settings, store, vault, jobs, console))
            providers = {row.id: row.provider for row in store.list_connections()}
    if as_json:
        print_json([run_row(r) for r in runs])
    else:
        out().print(runs_table(runs, f"{len(runs)} run(s)", providers))
    for run in runs:  # the table cuts errors short: each failed run's reason, whole, below it
        if run.outcome == "failed" and run.error:
            reason = run.error.splitlines()[0]
            label = providers.get(run.connection_id, run.connection_id)
            stderr.print(f"[red]error:[/red] {rich_escape(f'{label} {run.resource}: {reason}')}")
    for failure in failures:
        stderr.print(f"[red]error:[/red] {rich_escape(failure)}")
    if failures or any(r.outcome == "failed" for r in runs):
        raise typer.Exit(code=1)
