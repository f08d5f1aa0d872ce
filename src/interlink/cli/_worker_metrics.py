"""`interlink worker --metrics-port`: the vendor metrics of every process of one worker.

A worker is a Celery prefork pool: the processes that call vendors are
children of the one that could serve /metrics. prometheus_client's documented
answer is its multiprocess mode: with `PROMETHEUS_MULTIPROC_DIR` set in the
environment before the worker starts, every process writes its counters to
files there, and the main process serves their sum (`MultiProcessCollector`).
The directory is emptied at start, as the library requires.
"""

from __future__ import annotations

import os
from pathlib import Path

from interlink._errors import ConfigError
from interlink.http import Transport

__all__ = ["metered", "serve_metrics"]

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def serve_metrics(port: int, host: str) -> None:
    """Check multiprocess mode is on, empty its directory, and serve the sum of every
    process's metrics on `host:port` (a daemon thread of this, the main, process)."""
    from prometheus_client import CollectorRegistry, start_http_server, values
    from prometheus_client.multiprocess import MultiProcessCollector

    directory = os.environ.get(VARIABLE, "")
    if not directory or not Path(directory).is_dir():
        raise ConfigError(
            VARIABLE,
            "--metrics-port needs it set, in the environment the worker starts in, to a "
            f"directory of its own (got {directory!r})",
        )
    if not getattr(values.ValueClass, "_multiprocess", False):
        raise ConfigError(VARIABLE, "must be set before interlink starts, not by it")
    for stale in Path(directory).glob("*.db"):  # a previous run's counts
        stale.unlink()
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    try:
        start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        raise ConfigError("--metrics-port", f"cannot listen on {host}:{port}: {exc}") from None


def metered(inner: Transport) -> Transport:
    """`inner`, counting each vendor call in this process's share of the worker's metrics."""
    from interlink.connectors import ConnectorRegistry
    from interlink.server._metrics import MeteredTransport, VendorMetrics

    return MeteredTransport(inner, VendorMetrics(), ConnectorRegistry.default())
