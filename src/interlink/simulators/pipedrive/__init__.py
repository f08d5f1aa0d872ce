"""Pipedrive API v1/v2, simulated: see `PipedriveSimulator` and docs/simulators.md."""

from __future__ import annotations

from interlink.simulators.pipedrive._entities import custom_key
from interlink.simulators.pipedrive._simulator import PipedriveSimulator

__all__ = ["PipedriveSimulator", "custom_key"]
