"""Signing outbound deliveries per Standard Webhooks, and their stable event ids."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from interlink.webhooks._standard import standard_key

__all__ = ["event_id_for", "sign"]

_EVENTS = uuid.UUID("0f4e6b52-8a39-4c1e-9d57-3b1f2a6c8e40")


def event_id_for(subscription_id: str, seq: int) -> str:
    """The unique, stable id of one change for one subscription (`webhook-id`)."""
    return "evt_" + uuid.uuid5(_EVENTS, f"{subscription_id}/{seq}").hex


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`."""
    message = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()
