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
from functools import cache
from typing import Any

import interlink
from interlink import ASGITransport, FakeClock, State
from interlink.connectors import BUILTIN_DIR, ConnectorSpec, load_spec
from interlink.http import Request
from interlink.simulators import create_simulator
from interlink.simulators._base import Simulator

__all__ = ["builtin_spec", "fetch_json", "open_builtin", "running"]


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
) -> interlink.Connection:
    """A connection through the built-in spec of the simulator's vendor, over ASGI."""
    return interlink.connect(
        builtin_spec(sim.info.name),
        credentials=credentials,
        variables=variables,
        connection_id=connection_id,
        state=State.in_process(clock=clock),
        transport=ASGITransport(sim.app),
        clock=clock,
    )


async def fetch_json(sim: Simulator, path: str, headers: Mapping[str, str]) -> Any:
    """The decoded answer of a raw GET to the simulator, around every Interlink layer."""
    response = await ASGITransport(sim.app).send(
        Request.build("GET", f"https://{sim.info.name}.test{path}", headers=headers)
    )
    assert response.status == 200, response.text()
    return response.json()
