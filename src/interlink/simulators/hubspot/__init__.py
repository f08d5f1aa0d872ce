"""HubSpot CRM v3, simulated: see `HubSpotSimulator` and docs/simulators.md."""

from __future__ import annotations

from interlink.simulators.hubspot._simulator import HubSpotSimulator
from interlink.simulators.hubspot._wire import signature_v3

__all__ = ["HubSpotSimulator", "signature_v3"]
