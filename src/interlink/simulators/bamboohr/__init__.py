"""BambooHR, simulated: see `BambooHRSimulator` and docs/simulators.md."""

from __future__ import annotations

from interlink.simulators.bamboohr._simulator import BambooHRSimulator
from interlink.simulators.bamboohr._wire import signature

__all__ = ["BambooHRSimulator", "signature"]
