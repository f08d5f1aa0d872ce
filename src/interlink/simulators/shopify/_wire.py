"""Shopify's wire conventions: error bodies, the call-limit header, page_info cursors,
Link headers, and webhook signing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response

__all__ = [
    "INVALID_TOKEN",
    "RATE_LIMITED",
    "ShopifyWebhooks",
    "decode_page_info",
    "encode_page_info",
    "error_body",
    "hmac_sha256_base64",
]

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
RATE_LIMITED = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume "
    "uninterrupted service."
)
PAGINATION_DOCS = "https://shopify.dev/api/usage/pagination-rest"


def error_body(status: int, message: str | None, field: str | None = None) -> dict[str, Any]:
    """`{"errors": "..."}`, or `{"errors": {field: ...}}` when a field is at fault
    (422 validation errors list their messages: `{"email": ["has already been taken"]}`)."""
    text = message or {401: INVALID_TOKEN, 429: RATE_LIMITED}.get(
        status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    )
    if field is None:
        return {"errors": text}
    return {"errors": {field: [text] if status == 422 else text}}


def json_bytes(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def encode_page_info(payload: Mapping[str, Any]) -> str:
    """An opaque cursor: base64url JSON of the direction, the last id and the filters,
    like Shopify's own (`{"direction": "next", "last_id": ..., "last_value": ...}`)."""
    return base64.urlsafe_b64encode(orjson.dumps(dict(payload))).decode().rstrip("=")


def decode_page_info(value: str) -> dict[str, Any] | None:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return None
    ok = isinstance(data, dict) and data.get("direction") in ("next", "prev")
    return data if ok and isinstance(data.get("last_id"), int) else None


def hmac_sha256_base64(secret: str, body: bytes) -> str:
    """X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256 of the raw body, keyed by the app's
    client secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class ShopifyWebhooks:
    """One JSON payload per request; topic and ids in X-Shopify-* headers."""

    max_batch = 1

    def __init__(self, client_secret: str, shop_domain: str, api_version: str) -> None:
        self._secret, self._shop, self._version = client_secret, shop_domain, api_version

    def encode(self, events: Sequence[Mapping[str, Any]]) -> bytes:
        return orjson.dumps(events[0]["payload"])

    def delivery_headers(self, events: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        event = events[0]
        return {
            "X-Shopify-Topic": event["topic"],
            "X-Shopify-Shop-Domain": self._shop,
            "X-Shopify-API-Version": self._version,
            # One webhook id per delivery, repeated on a retry: receivers dedupe on it.
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": event["triggered_at"],
            "X-Shopify-Event-Id": event["event_id"],
        }

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": hmac_sha256_base64(self._secret, body),
        }
