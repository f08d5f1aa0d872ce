"""Connecting a built-in connector to its vendor's simulator, in process, on a fake clock.

```python
async with running("zendesk", clock, records=60) as sim:
    async with open_builtin(sim, clock, credentials={...}, variables={...}) as conn:
        tickets = [t async for t in conn.list("tickets")]
```

The spec is loaded from its own file, not through `ConnectorRegistry.builtin()`,
so one vendor's tests never depend on another built-in being valid.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import interlink
from interlink import ASGITransport, FakeClock, State
from interlink.connectors import BUILTIN_DIR, ConnectorSpec, load_spec
from interlink.http import Request
from interlink.models import UnifiedRecord
from interlink.simulators import create_simulator
from interlink.simulators._base import Simulator

__all__ = ["builtin_spec", "fetch_json", "open_builtin", "running", "update_then_list_changed"]


@cache
def builtin_spec(provider: str) -> ConnectorSpec:
    """The compiled built-in spec of `provider`, read from its connector.yaml."""
    return load_spec(BUILTIN_DIR / provider / "connector.yaml")


@asynccontextmanager
async def running(vendor: str, clock: FakeClock, **options: Any) -> AsyncIterator[Simulator]:
    """The vendor's simulator on `clock`, closed afterwards."""
    sim = create_simulator(vendor, clock=clock, **options)
    async with sim:
        yield sim


def open_builtin(
    sim: Simulator,
    clock: FakeClock,
    *,
    credentials: Mapping[str, str],
    variables: Mapping[str, str] | None = None,
    connection_id: str = "conn-1",
    **options: Any,
) -> interlink.Connection:
    """A connection through the built-in spec of the simulator's vendor, over ASGI;
    `options` go to `interlink.connect` (`auth_method`, `on_tokens_rotated`)."""
    return interlink.connect(
        builtin_spec(sim.info.name),
        credentials=credentials,
        variables=variables,
        connection_id=connection_id,
        state=State.in_process(clock=clock),
        transport=ASGITransport(sim.app),
        clock=clock,
        **options,
    )


async def fetch_json(
    sim: Simulator,
    path: str,
    headers: Mapping[str, str],
    *,
    method: str = "GET",
    json: Any = None,
) -> Any:
    """The decoded answer of a raw request to the simulator, around every Interlink layer."""
    url = f"https://{sim.info.name}.test{path}"
    response = await ASGITransport(sim.app).send(
        Request.build(method, url, headers=headers, json=json)
    )
    assert response.status == 200, response.text
    return response.json()


async def update_then_list_changed(
    conn: interlink.Connection,
    clock: FakeClock,
    resource: str,
    values: Mapping[str, Any],
    count: int = 3,
) -> tuple[list[str], list[UnifiedRecord]]:
    """Update the first `count` records an hour after the data was made, then list what
    changed since then: (the updated ids, the incremental listing)."""
    ids = [r.remote_id async for r in conn.list(resource)][:count]
    clock.advance(3600)
    watermark = datetime.fromtimestamp(clock.time(), UTC)
    clock.advance(1)
    for remote_id in ids:
        await conn.update(resource, remote_id, values)
    return ids, [r async for r in conn.list(resource, modified_after=watermark)]
