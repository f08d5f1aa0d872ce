"""The Slack Web API, simulated: see `SlackSimulator` and docs/simulators.md."""

from __future__ import annotations

from interlink.simulators.slack._simulator import SlackSimulator
from interlink.simulators.slack._wire import decode_cursor, signature_v0

__all__ = ["SlackSimulator", "decode_cursor", "signature_v0"]
