"""`interlink demo`: the main job, end to end, on one machine.

Serves six vendor simulators on loopback (HubSpot, Salesforce, Pipedrive,
Zendesk, Stripe, GitHub; optionally misbehaving), creates a tenant and one
connection per vendor in a fresh store (credentials sealed in the vault), and
syncs every resource through the embedded runner with live progress: records,
requests, retries and 429s absorbed per connection and resource. It ends with a
summary per provider and model, and checks that the store holds exactly the
vendors' records (exit 1 otherwise). The built-in connectors run unchanged: their
real hosts are routed to the loopback servers.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from interlink._clock import Clock, SystemClock
from interlink.cli._app import app
from interlink.cli._fleet import DEMO_VENDORS, Fleet
from interlink.cli._runtime import cli_errors, fail, out, settings_from_cli
from interlink.simulators import FaultConfig
from interlink.sync import SyncJob

if TYPE_CHECKING:
    from interlink.cli._progress import SyncProgress
    from interlink.settings import Settings
    from interlink.store import Store, SyncRun
    from interlink.sync import EmbeddedRunner

__all__ = ["DemoResult", "DemoRow", "run_demo"]


@dataclass(frozen=True, slots=True)
class DemoRow:
    """One (provider, resource) of the demo: what the vendor holds and what was stored."""

    provider: str
    resource: str
    model: str
    expected: int
    stored: int
    outcome: str
    requests: int
    retries: int
    absorbed_429s: int
    seconds: float
    error: str | None = None
    runs: int = 1
    """How many runs it took (a deferred run is run again at its next attempt)."""


@dataclass(frozen=True, slots=True)
class DemoContext:
    """What the demo leaves running for whatever comes after the sync (serving the API):
    the settings (routes to the live simulators included), the open store, the tenant."""

    settings: Settings
    store: Store
    tenant_id: str


@dataclass(frozen=True, slots=True)
class DemoResult:
    """Every row, the faults the vendors injected, and the wall time."""

    rows: list[DemoRow]
    faults: dict[str, int]
    seconds: float
    failures: list[str] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(r.stored for r in self.rows)

    @property
    def complete(self) -> bool:
        """Every resource succeeded and holds exactly the vendor's records."""
        return not self.failures and all(
            r.outcome == "succeeded" and r.stored == r.expected for r in self.rows
        )


async def run_demo(
    *,
    records: int,
    faults: str | FaultConfig,
    database: str,
    key_file: Path,
    vendors: Sequence[str] = tuple(DEMO_VENDORS),
    console: Console | None = None,
    max_wait: float = 300.0,
    clock: Clock | None = None,
    then: Callable[[DemoResult, DemoContext], Awaitable[None]] | None = None,
) -> DemoResult:
    """Serve the vendors, connect them in the store at `database`, sync them all; a run
    the vendor defers is run again at its next attempt, waiting at most `max_wait` s.
    `then` runs after the sync while the vendors still serve (the API is served there)."""
    from interlink.cli._progress import SyncProgress
    from interlink.cli._runtime import opened
    from interlink.cli._stack import sync_stack

    clock = clock or SystemClock()
    settings = settings_from_cli(database_url=database, key_file=key_file)
    async with Fleet.serve(vendors, records=records, faults=faults) as fleet:
        with opened(settings) as (store, vault):
            tenant = store.create_tenant("Demo Corp")
            labels: dict[str, str] = {}
            jobs: list[SyncJob] = []
            for provider in vendors:
                row = store.create_connection(
                    tenant.id, provider, auth_method=_default_auth(provider),
                    variables=fleet.variables(provider), name=f"demo {provider}",
                )  # fmt: skip
                vault.put(row.id, fleet.credentials(provider))
                labels[row.id] = provider
                jobs += [SyncJob(row.id, resource) for resource in fleet.resources(provider)]
            totals = {
                (j.connection_id, j.resource): fleet.expected(labels[j.connection_id], j.resource)
                for j in jobs
            }
            progress = SyncProgress(console, labels=labels, totals=totals)
            started = time.perf_counter()
            # A vendor that hangs (the timeout fault) is given up on after 5 s and retried.
            async with sync_stack(
                settings, store, vault, observer=progress, routes=fleet.routes,
                request_timeout=5.0, clock=clock,
            ) as stack:  # fmt: skip
                with progress:
                    attempts = await _until_done(stack.runner, jobs, progress, max_wait, clock)
                failures = [f"{labels[f.job.connection_id]} {f.job.resource}: {f.error}"
                            for f in stack.runner.failures]  # fmt: skip
            seconds = time.perf_counter() - started
            rows = [
                _row(labels[key[0]], key[1], totals[key], runs,
                     store.count_records(connection_id=key[0], resource=key[1]))
                for key, runs in sorted(attempts.items(), key=lambda kv: (labels[kv[0][0]], kv[0]))
            ]  # fmt: skip
            result = DemoResult(rows, fleet.faults_survived(), seconds, failures)
            if then is not None:
                routes = {**settings.routes, **fleet.routes}
                live = settings.model_copy(update={"routes": routes})
                await then(result, DemoContext(live, store, tenant.id))
        return result


async def _until_done(
    runner: EmbeddedRunner,
    jobs: list[SyncJob],
    progress: SyncProgress,
    max_wait: float,
    clock: Clock,
) -> dict[tuple[str, str], list[SyncRun]]:
    """Run the jobs; a run the vendor deferred (limit spent, circuit open) is run again at
    its next attempt, resuming from its checkpoint, as the scheduler would."""
    attempts: dict[tuple[str, str], list[SyncRun]] = {}
    pending = jobs
    waited = 0.0
    while pending:
        for job in pending:
            progress.start(job)
            runner.submit(job)
        deferred = []
        for run in await runner.join():
            attempts.setdefault((run.connection_id, run.resource), []).append(run)
            if run.outcome == "deferred" and run.next_attempt_at is not None:
                deferred.append(run)
        if not deferred:
            break
        due = max(r.next_attempt_at for r in deferred if r.next_attempt_at is not None)
        wait = max(0.0, due.timestamp() - clock.time())
        if waited + wait > max_wait:
            progress.note(f"{len(deferred)} run(s) deferred past {max_wait:.0f} s: stopping")
            break
        progress.note(
            f"{len(deferred)} run(s) deferred by the vendor; resuming from the checkpoint "
            f"in {wait:.0f} s"
        )
        await clock.sleep(wait)
        waited += wait
        pending = [SyncJob(r.connection_id, r.resource) for r in deferred]
    return attempts


def _row(provider: str, resource: str, expected: int, runs: list[SyncRun], stored: int) -> DemoRow:
    last = runs[-1]
    return DemoRow(
        provider, resource, _model(provider, resource), expected, stored, last.outcome,
        sum(r.stats.requests for r in runs), sum(r.stats.retries for r in runs),
        sum(r.stats.absorbed_429s for r in runs), sum(r.duration or 0.0 for r in runs),
        last.error, len(runs),
    )  # fmt: skip


def _default_auth(provider: str) -> str:
    from interlink.connectors import ConnectorRegistry

    return ConnectorRegistry.default().get(provider).default_auth


def _model(provider: str, resource: str) -> str:
    from interlink.connectors import ConnectorRegistry

    return ConnectorRegistry.default().get(provider).resources[resource].model


@app.command()
def demo(
    records: int = typer.Option(1_000, "--records", help="Records per resource at each vendor."),
    faults: str = typer.Option(
        "flaky", "--faults", help="How the vendors misbehave: none, flaky, chaos, slow, ..."
    ),
    database: str | None = typer.Option(
        None, "--database", help="Keep the store at this URL (default: a fresh temporary one)."
    ),
    vendors: str = typer.Option(
        ",".join(DEMO_VENDORS), "--vendors", help="Comma-separated vendors to simulate."
    ),
    no_serve: bool = typer.Option(
        False, "--no-serve", help="Exit after the sync instead of serving the unified API."
    ),
    port: int = typer.Option(8000, "--port", help="Where to serve the API on 127.0.0.1."),
) -> None:
    """Sync six misbehaving vendors into a fresh store, live, show what it took, then serve
    the unified API over the synced records (Ctrl-C stops)."""
    from interlink.cli._demo_report import print_report
    from interlink.cli._demo_serve import serve_api
    from interlink.simulators import PROFILES

    console = out()
    if faults not in PROFILES:
        raise fail(f"unknown --faults {faults!r}; known: {', '.join(PROFILES)}", code=2)
    if not 1 <= records <= 1_000_000:
        raise fail(f"--records must be 1..1,000,000, got {records}", code=2)
    if not 1 <= port <= 65_535:
        raise fail(f"--port must be 1..65535, got {port}", code=2)
    chosen = [v.strip() for v in vendors.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in DEMO_VENDORS]
    if unknown or not chosen:
        known = ", ".join(DEMO_VENDORS)
        named = ", ".join(unknown) or repr(vendors)
        raise fail(f"unknown --vendors {named}; known: {known}", code=2)

    async def then(result: DemoResult, context: DemoContext) -> None:
        print_report(console, result, faults)
        if database is not None:
            console.print(f"store kept at {database}")
        if result.complete and not no_serve:
            await serve_api(context, port, console)

    workdir = Path(tempfile.mkdtemp(prefix="interlink-demo-"))
    url = database or f"sqlite:///{workdir / 'interlink.db'}"
    key_file = workdir / "secret.key" if database is None else None
    try:
        with cli_errors():
            result = asyncio.run(
                run_demo(
                    records=records,
                    faults=faults,
                    database=url,
                    key_file=key_file or settings_from_cli().key_file,
                    vendors=chosen,
                    console=console,
                    then=then,
                )
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not result.complete:
        raise typer.Exit(code=1)
