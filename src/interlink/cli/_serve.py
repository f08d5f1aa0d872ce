"""`interlink serve`: the unified REST API, webhook intake, runner and scheduler in one process
(with `runner = "celery"`, the API's syncs go to the workers and the scheduler is theirs)."""

from __future__ import annotations

from typing import Annotated

import typer

from interlink.cli._runtime import cli_errors, settings_from_cli

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)
    ] = 8000,
    schedule: Annotated[
        bool | None,
        typer.Option(
            "--schedule/--no-schedule",
            help="Run the sync scheduler too (default: with the embedded runner only; "
            "runner = celery has `interlink scheduler`).",
        ),
    ] = None,
    webhooks: Annotated[
        bool,
        typer.Option("--webhooks/--no-webhooks", help="Serve the webhook intake and processor."),
    ] = True,
) -> None:
    """Serve the API (OpenAPI at /openapi.json, docs at /docs, metrics at /metrics)."""
    import uvicorn

    from interlink.server._runtime import app_from_settings

    with cli_errors():
        settings = settings_from_cli()
        app = app_from_settings(settings, schedule=schedule, webhooks=webhooks)
    typer.echo(f"serving on http://{host}:{port} (docs at /docs)", err=True)
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level, access_log=False)
