"""`interlink worker` and `interlink scheduler`: the processes of a scaled-out deployment.

`worker` runs sync jobs from the queue (Celery, prefork: `--concurrency`
processes, each with its own engine); `scheduler` enqueues each
(connection, resource) when its checkpoint says it is due. Both read the
settings (file + INTERLINK_* variables) and the worker variables listed in
docs/deploy.md; a bad value is one line and exit code 2.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Annotated

import typer

from interlink.cli._app import app
from interlink.cli._runtime import cli_errors, opened, out, settings_from_cli

if TYPE_CHECKING:
    from interlink.settings import Settings
    from interlink.store import Store

__all__ = ["scheduler", "worker"]


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", "-c", min=1, help="Worker processes (default: concurrency setting)."
        ),
    ] = None,
    loglevel: Annotated[str, typer.Option("--loglevel", help="Celery's log level.")] = "INFO",
    name: Annotated[
        str | None, typer.Option("--name", help="The worker's node name (default interlink-PID).")
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=1,
            max=65535,
            help="Serve the vendor-call metrics of all its processes on this port (needs "
            "PROMETHEUS_MULTIPROC_DIR).",
        ),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option("--metrics-host", help="Interface of --metrics-port.")
    ] = "127.0.0.1",
) -> None:
    """Run sync jobs from the queue until stopped (Ctrl-C, SIGTERM: finish the jobs running)."""
    import dataclasses

    from interlink.sync import CeleryConfig, create_celery_app, start_worker

    with cli_errors():
        settings = settings_from_cli()
        config = CeleryConfig.load(settings)
        if metrics_port is not None:
            from interlink.cli._worker_metrics import metered, serve_metrics

            serve_metrics(metrics_port, metrics_host)
            config = dataclasses.replace(
                config, worker=dataclasses.replace(config.worker, metered=metered)
            )
        start_worker(
            create_celery_app(config),
            concurrency=concurrency or settings.concurrency,
            loglevel=loglevel,
            name=name,
        )


@app.command()
def scheduler(
    poll: Annotated[
        float, typer.Option("--poll", min=0.1, help="Seconds between looks at the schedule.")
    ] = 5.0,
    ticks: Annotated[
        int | None, typer.Option("--ticks", min=1, help="Stop after this many looks.")
    ] = None,
) -> None:
    """Enqueue each (connection, resource) when it is due, until stopped. Run one."""
    with cli_errors():
        settings = settings_from_cli()
        with opened(settings) as (store, _vault), contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_schedule(settings, store, poll=poll, ticks=ticks))


async def _schedule(settings: Settings, store: Store, *, poll: float, ticks: int | None) -> None:
    from interlink._clock import SystemClock
    from interlink._redact import redact_url
    from interlink.store import AsyncStore
    from interlink.sync import CeleryConfig, CeleryRunner, Scheduler, create_celery_app

    celery = create_celery_app(CeleryConfig.load(settings))
    astore = AsyncStore(store)
    runner = CeleryRunner(celery, astore)
    schedule = Scheduler(
        astore, runner, clock=SystemClock(), poll=poll,
        interval_for=lambda row, name: settings.interval_for(row.provider, name),
    )  # fmt: skip
    out().print(f"scheduling onto {redact_url(celery.conf.broker_url)} every {poll:g} s")
    try:
        await schedule.serve(ticks=ticks)
    finally:
        await runner.aclose()
        await astore.aclose()
