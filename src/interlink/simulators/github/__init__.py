"""The GitHub REST API (issues), simulated: see `GitHubSimulator` and docs/simulators.md."""

from __future__ import annotations

from interlink.simulators.github._simulator import GitHubSimulator
from interlink.simulators.github._wire import signature_256

__all__ = ["GitHubSimulator", "signature_256"]
