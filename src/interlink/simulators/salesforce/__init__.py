"""Salesforce REST API, simulated: see `SalesforceSimulator` and docs/simulators.md."""

from __future__ import annotations

from interlink.simulators.salesforce._ids import decode_id, encode_id, id18
from interlink.simulators.salesforce._simulator import API_VERSION, SalesforceSimulator
from interlink.simulators.salesforce._wire import (
    SIGNATURE_HEADER,
    token_signature,
    webhook_signature,
)

__all__ = [
    "API_VERSION",
    "SIGNATURE_HEADER",
    "SalesforceSimulator",
    "decode_id",
    "encode_id",
    "id18",
    "token_signature",
    "webhook_signature",
]
