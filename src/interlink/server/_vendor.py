"""A live connection for one request: opened through the audited source, closed after.

The pipeline's retry count and breaker refusals are added to the metrics when
the connection closes (the pipeline keeps them per connection; the transport
cannot tell a retry from a new call).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from interlink._errors import CircuitOpenError
from interlink.client import Connection
from interlink.server._services import Services

__all__ = ["opened"]


@asynccontextmanager
async def opened(app: Services, connection_id: str) -> AsyncIterator[Connection]:
    """The connection `connection_id` (already checked to be the caller's)."""
    connection = await app.connections.open(connection_id)
    try:
        yield connection
    except CircuitOpenError:
        app.metrics.breaker_open.labels(connection.provider).inc()
        raise
    finally:
        retries = connection.pipeline.stats.retries
        if retries:
            app.metrics.retries.labels(connection.provider).inc(retries)
        await connection.aclose()
