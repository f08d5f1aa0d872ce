"""Zendesk Support, simulated: see `ZendeskSimulator` and docs/simulators.md."""

from __future__ import annotations

from interlink.simulators.zendesk._records import ADMIN_EMAIL
from interlink.simulators.zendesk._simulator import ZendeskSimulator
from interlink.simulators.zendesk._wire import webhook_signature

__all__ = ["ADMIN_EMAIL", "ZendeskSimulator", "webhook_signature"]
