"""`interlink runs`: recent sync runs with their statistics."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape as rich_escape
from rich.table import Table

from interlink.cli._app import app
from interlink.cli._runtime import (
    cli_errors,
    fail,
    opened,
    out,
    print_json,
    settings_from_cli,
    since,
)

if TYPE_CHECKING:
    from interlink.store import SyncRun

__all__ = ["run_row", "runs_table"]

OUTCOME_STYLE = {"succeeded": "green", "failed": "red", "deferred": "yellow", "running": "cyan"}


def run_row(run: SyncRun) -> dict[str, Any]:
    """A run as JSON-ready fields."""
    return {
        "id": run.id,
        "connection_id": run.connection_id,
        "resource": run.resource,
        "mode": run.mode,
        "outcome": run.outcome,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration": run.duration,
        "stats": dataclasses.asdict(run.stats),
        "error": run.error,
        "next_attempt_at": run.next_attempt_at,
    }


def _note(run: SyncRun, width: int = 72) -> str:
    note = (run.error or "").splitlines()[0] if run.error else ""
    if len(note) > width:
        note = note[: width - 1] + "…"
    if run.next_attempt_at is not None:
        note = f"{note} (next attempt {since(run.next_attempt_at)})".strip()
    return note


def runs_table(
    runs: list[SyncRun], title: str, providers: Mapping[str, str] | None = None
) -> Table:
    """Runs as a rich table: counters, outcome, and the error (first line; --json has it
    whole) when there is one. `providers` maps connection ids to their provider."""
    providers = providers or {}
    table = Table(title=title)
    table.add_column("started", no_wrap=True)
    table.add_column("provider", no_wrap=True)
    table.add_column("connection", no_wrap=True)
    for column in ("resource", "mode", "outcome"):
        table.add_column(column)
    table.add_column("seen", justify="right")
    table.add_column("+new ~chg -del", justify="right")
    table.add_column("req/retry/429", justify="right")
    table.add_column("s", justify="right")
    table.add_column("error / next attempt")
    for run in runs:
        s = run.stats
        style = OUTCOME_STYLE.get(run.outcome, "")
        table.add_row(
            since(run.started_at), providers.get(run.connection_id, "?"), run.connection_id,
            run.resource, run.mode,
            f"[{style}]{run.outcome}[/{style}]" if style else run.outcome,
            f"{s.seen:,}", f"+{s.created:,} ~{s.updated:,} -{s.deleted:,}",
            f"{s.requests:,}/{s.retries:,}/{s.absorbed_429s:,}",
            "-" if run.duration is None else f"{run.duration:.1f}",
            rich_escape(_note(run)),
        )  # fmt: skip
    return table


@app.command()
def runs(
    connection: Annotated[
        str | None, typer.Option("--connection", help="Only this connection's runs.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Recent sync runs, newest first, with their statistics."""
    if not 1 <= limit <= 10_000:
        raise fail(f"--limit must be 1..10,000, got {limit}", code=2)
    with cli_errors(), opened(settings_from_cli()) as (store, _):
        if connection is not None and store.get_connection(connection) is None:
            raise fail(f"no connection {connection!r} (see `interlink connections list`)")
        found = store.list_runs(connection_id=connection, limit=limit)
        providers = {row.id: row.provider for row in store.list_connections()}
    if as_json:
        print_json([run_row(r) for r in found])
    else:
        out().print(runs_table(found, f"{len(found)} recent run(s)", providers))
