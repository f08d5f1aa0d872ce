"""`interlink sync [CONNECTION] [--resource R] [--full]`: sync now, with live progress.

Without a connection every active connection is synced; without `--resource`
every listable resource of each. Runs go through the embedded runner (at most
`concurrency` at once, one per connection and resource), and each is recorded in
the store (`interlink runs`). Exit 1 when a run failed; a deferred run (budget
spent, circuit open) is not a failure: it resumes at its next attempt.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from interlink._errors import ConfigError
from interlink.cli._app import app
from interlink.cli._connections import get_connection
from interlink.cli._runs import run_row, runs_table
from interlink.cli._runtime import cli_errors, fail, opened, out, print_json, settings_from_cli

if TYPE_CHECKING:
    from interlink.settings import Settings
    from interlink.store import ConnectionRow, Store, SyncRun
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
) -> None:
    """Sync connections now, with live progress; the runs are recorded in the store."""
    with cli_errors():
        settings = settings_from_cli()
        with opened(settings) as (store, vault):
            jobs = plan(store, connection, resource, full=full)
            if not jobs:
                raise fail("nothing to sync: no active connection (see `interlink connections`)")
            console = None if not as_json else Console(stderr=True, quiet=True)
            runs, failures = asyncio.run(_run(settings, store, vault, jobs, console))
    if as_json:
        print_json([run_row(r) for r in runs])
    else:
        out().print(runs_table(runs, f"{len(runs)} run(s)"))
    for failure in failures:
        Console(stderr=True).print(f"[red]error:[/red] {failure}", highlight=False)
    if failures or any(r.outcome == "failed" for r in runs):
        raise typer.Exit(code=1)
