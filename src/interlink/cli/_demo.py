"""`interlink demo`: the pipeline against a live vendor simulator on loopback.

Serves the HubSpot simulator on a loopback port (optionally misbehaving),
reads every contact through the full pipeline over real HTTP (learned rate
limits, breaker, retries, classification, cursor pagination) with live
progress, and prints what it took. The sync-engine demo (store, every vendor)
builds on this one.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from interlink.cli._app import app

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What one demo run read and what it took."""

    records: int
    unique: int
    requests: int
    retries: int
    vendor_429s: int
    absorbed_429s: int
    faults: dict[str, int]
    seconds: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


async def run_demo(records: int, faults: str, progress: Progress | None = None) -> DemoResult:
    """Serve HubSpot on loopback and read every contact through the pipeline."""
    import uvicorn

    from interlink import (
        AiohttpTransport,
        BearerAuth,
        CircuitBreaker,
        CursorPagination,
        Pipeline,
        RateLimiter,
        Request,
        RetryPolicy,
    )
    from interlink.simulators import create_simulator

    sim = create_simulator("hubspot", records=records, faults=faults)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(sim.app, host=HOST, port=port, log_level="critical", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # uvicorn offers no event to await
        if serving.done():
            serving.result()  # surfaces the bind error
        await asyncio.sleep(0.01)
    token = sim.default_token.value  # type: ignore[attr-defined]
    pipeline = Pipeline(
        "hubspot",
        AiohttpTransport(timeout=5.0),
        auth=BearerAuth(token),
        limiter=RateLimiter("hubspot", "demo"),
        breaker=CircuitBreaker("hubspot", "demo"),
        retry=RetryPolicy(attempts=8, total_timeout=120.0),
    )
    task = progress.add_task("hubspot contacts", total=records) if progress else None
    pages = CursorPagination(
        cursor_path="paging.next.after", cursor_param="after", size_param="limit", page_size=100
    )
    url = f"http://{HOST}:{port}/crm/v3/objects/contacts"
    seen: set[str] = set()
    count = 0
    started = time.perf_counter()
    try:
        async for page in pipeline.paginate(
            Request.build("GET", url), pages, records_path="results", id_field="id"
        ):
            count += len(page.records)
            seen.update(record["id"] for record in page.records)
            if progress is not None and task is not None:
                progress.update(task, completed=count)
    finally:
        elapsed = time.perf_counter() - started
        await pipeline.aclose()
        server.should_exit = True
        await serving
    return DemoResult(
        records=count,
        unique=len(seen),
        requests=pipeline.stats.requests,
        retries=pipeline.stats.retries,
        vendor_429s=sim.counters.rate_limited,
        absorbed_429s=pipeline.stats.rate_limited,
        faults={kind: n for kind, n in sim.counters.faults.items() if n},
        seconds=elapsed,
    )


@app.command()
def demo(
    records: int = typer.Option(2_000, "--records", help="Contacts in the simulated HubSpot."),
    faults: str = typer.Option(
        "flaky", "--faults", help="Fault profile of the vendor: none, flaky, chaos, slow, ..."
    ),
) -> None:
    """Read a misbehaving vendor through the resilient pipeline, and show what it took."""
    from interlink.simulators import PROFILES

    console = Console()
    if faults not in PROFILES:
        console.print(
            f"[red]error:[/red] unknown --faults {faults!r}; known: {', '.join(PROFILES)}"
        )
        raise typer.Exit(code=2)
    if not 1 <= records <= 1_000_000:
        console.print(f"[red]error:[/red] --records must be 1..1,000,000, got {records}")
        raise typer.Exit(code=2)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console) as progress:
            result = asyncio.run(run_demo(records, faults, progress))
    except Exception as exc:  # the demo's one job is to explain what went wrong
        console.print(f"[red]demo failed:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    table = Table(title=f"HubSpot contacts through the pipeline (faults: {faults})")
    for column in ("records", "unique", "requests", "retries", "429s absorbed", "s", "records/s"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{result.records:,}",
        f"{result.unique:,}",
        f"{result.requests:,}",
        f"{result.retries:,}",
        f"{result.absorbed_429s:,}",
        f"{result.seconds:.1f}",
        f"{result.records / result.seconds:,.0f}" if result.seconds else "-",
    )
    console.print(table)
    survived = ", ".join(f"{kind} x{n}" for kind, n in sorted(result.faults.items())) or "none"
    console.print(f"faults injected by the vendor and survived: {survived}")
    if result.unique != records:
        console.print(f"[red]expected {records:,} unique records, read {result.unique:,}[/red]")
        raise typer.Exit(code=1)
