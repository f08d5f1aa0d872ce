"""`interlink simulate`: serve a vendor simulator on loopback, or list them."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from interlink.cli._app import app

HOST = "127.0.0.1"  # loopback only: a simulator is never exposed beyond this machine


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def _list() -> None:
    from interlink.simulators import SIMULATORS

    table = Table(title="Vendor simulators")
    for column in ("name", "resources", "auth", "pagination", "rate limits"):
        table.add_column(column)
    for name, cls in sorted(SIMULATORS.items()):
        info = cls.info
        table.add_row(name, ", ".join(info.resources), info.auth, info.pagination, info.rate_limits)
    Console().print(table)


@app.command()
def simulate(
    vendor: str | None = typer.Argument(None, help="Which vendor to simulate (see --list)."),
    port: int = typer.Option(8900, "--port", help="Loopback port to listen on."),
    records: int = typer.Option(1_000, "--records", help="Records per resource (max 1,000,000)."),
    faults: str = typer.Option("none", "--faults", help="Fault profile: none, chaos, flaky, ..."),
    seed: int = typer.Option(0, "--seed", help="Seed of the generated dataset."),
    no_rate_limits: bool = typer.Option(
        False, "--no-rate-limits", help="Do not enforce the vendor's rate limits."
    ),
    webhook_url: str | None = typer.Option(
        None, "--webhook-url", help="Deliver the vendor's signed webhooks to this URL."
    ),
    list_: bool = typer.Option(False, "--list", help="List the available simulators and exit."),
) -> None:
    """Serve a vendor simulator on 127.0.0.1 (admin endpoints under /_sim)."""
    from interlink.simulators import PROFILES, SIMULATORS, create_simulator

    if list_:
        _list()
        return
    if vendor is None:
        raise _fail("name a vendor to simulate, or pass --list")
    if vendor not in SIMULATORS:
        raise _fail(f"unknown vendor {vendor!r}; known: {', '.join(sorted(SIMULATORS))}")
    if faults not in PROFILES:
        raise _fail(f"unknown fault profile {faults!r}; known: {', '.join(PROFILES)}")
    if not 1 <= port <= 65_535:
        raise _fail(f"--port must be between 1 and 65535, got {port}")
    if not 0 <= records <= 1_000_000:
        raise _fail(f"--records must be between 0 and 1,000,000, got {records}")
    if webhook_url is not None and not webhook_url.startswith(("http://", "https://")):
        raise _fail(f"--webhook-url must be an http(s) URL, got {webhook_url!r}")

    import uvicorn

    sim = create_simulator(
        vendor,
        records=records,
        seed=seed,
        faults=faults,
        rate_limits=not no_rate_limits,
        webhook_url=webhook_url,
    )
    console = Console(stderr=True)
    console.print(
        f"[bold]{sim.info.title}[/bold] simulator on http://{HOST}:{port} "
        f"({records:,} records per resource, seed {seed}, faults {faults!r})"
    )
    token = getattr(sim, "default_token", None)
    if token is not None:
        console.print(f"credential: Bearer {token.value}")
    uvicorn.run(sim.app, host=HOST, port=port, log_level="warning", access_log=False)
