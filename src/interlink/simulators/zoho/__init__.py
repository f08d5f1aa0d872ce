"""Zoho CRM v6, simulated: see `ZohoSimulator` and docs/simulators.md."""

from __future__ import annotations

from interlink.simulators.zoho._simulator import ZohoSimulator

__all__ = ["ZohoSimulator"]
