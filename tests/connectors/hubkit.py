"""Opening a connection to the HubSpot simulator through the built-in spec."""

from __future__ import annotations

import interlink
from interlink import ASGITransport, FakeClock, State
from interlink.simulators.hubspot import HubSpotSimulator


def open_hubspot(sim: HubSpotSimulator, clock: FakeClock) -> interlink.Connection:
    """A connection through the built-in hubspot spec, with the private-app token."""
    return interlink.connect(
        "hubspot",
        credentials={"access_token": sim.default_token.value},
        connection_id="conn-1",
        state=State.in_process(clock=clock),
        transport=ASGITransport(sim.app),
        clock=clock,
    )
