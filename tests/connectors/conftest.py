"""Fixtures: the HubSpot simulator in-process, and connections to it through the built-in spec."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hubkit import open_hubspot

import interlink
from interlink import FakeClock
from interlink.simulators import create_simulator
from interlink.simulators.hubspot import HubSpotSimulator


@pytest.fixture
async def hubspot(clock: FakeClock) -> AsyncIterator[HubSpotSimulator]:
    """A HubSpot simulator with 250 contacts on the fake clock."""
    sim = create_simulator("hubspot", records=250, clock=clock)
    assert isinstance(sim, HubSpotSimulator)
    async with sim:
        yield sim


@pytest.fixture
async def connection(
    hubspot: HubSpotSimulator, clock: FakeClock
) -> AsyncIterator[interlink.Connection]:
    async with open_hubspot(hubspot, clock) as conn:
        yield conn
