"""HubSpot's wire conventions: error bodies, rate-limit headers, webhook signing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

from interlink.simulators._ratelimit import Decision

__all__ = [
    "HubSpotWebhooks",
    "error_body",
    "rate_limit_headers",
    "rate_limited_body",
    "signature_v3",
]

AUTH_NOT_FOUND = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication "
    "and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
_DEFAULTS: Mapping[int, tuple[str, str | None]] = {
    400: ("Invalid input JSON on line 1, column 1: the request was malformed", "VALIDATION_ERROR"),
    401: (AUTH_NOT_FOUND, "INVALID_AUTHENTICATION"),
    403: ("This app hasn't been granted all required scopes to make this call.", "MISSING_SCOPES"),
    404: ("resource not found", "OBJECT_NOT_FOUND"),
    405: ("HTTP method not allowed for this resource", "VALIDATION_ERROR"),
    409: ("Conflict", "CONFLICT"),
    415: ("Unsupported media type", "VALIDATION_ERROR"),
}


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(status: int, message: str | None, category: str | None) -> dict[str, Any]:
    """`{"status": "error", "message", "correlationId", "category"}`: HubSpot's error shape."""
    default_message, default_category = _DEFAULTS.get(status, ("internal error", None))
    body: dict[str, Any] = {
        "status": "error",
        "message": message or default_message,
        "correlationId": correlation_id(),
    }
    if category or default_category:
        body["category"] = category or default_category
    return body


def rate_limited_body(policy: str) -> dict[str, Any]:
    """The 429 body; `policy` is TEN_SECONDLY_ROLLING, SECONDLY or DAILY."""
    message = {
        "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        "SECONDLY": "You have reached your secondly limit.",
        "DAILY": "You have reached your daily limit.",
    }[policy]
    return {
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
        "category": "RATE_LIMITS",
    }


def rate_limit_headers(
    interval: Decision, daily: Decision | None, interval_ms: int = 10_000
) -> dict[str, str]:
    """The X-HubSpot-RateLimit-* headers.

    Daily headers only for private apps (HubSpot omits them for OAuth). HubSpot
    does not enforce a separate per-second limit on CRM objects; its "Secondly"
    headers are the interval limit spread over seconds, reported here the same way.
    """
    secondly = max(1, interval.limit * 1000 // interval_ms)
    headers = {
        "X-HubSpot-RateLimit-Interval-Milliseconds": str(interval_ms),
        "X-HubSpot-RateLimit-Max": str(interval.limit),
        "X-HubSpot-RateLimit-Remaining": str(interval.remaining),
        "X-HubSpot-RateLimit-Secondly": str(secondly),
        "X-HubSpot-RateLimit-Secondly-Remaining": str(min(secondly, interval.remaining)),
    }
    if daily is not None:
        headers["X-HubSpot-RateLimit-Daily"] = str(daily.limit)
        headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(daily.remaining)
    return headers


def json_bytes(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def signature_v3(secret: str, method: str, uri: str, body: bytes, timestamp_ms: str) -> str:
    """base64(HMAC-SHA256(client secret, method + uri + body + timestamp))."""
    message = method.encode() + uri.encode() + body + timestamp_ms.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


class HubSpotWebhooks:
    """HubSpot batches up to 100 events into one JSON array per request, signed v1 and v3."""

    max_batch = 100

    def __init__(self, client_secret: str) -> None:
        self._secret = client_secret

    def encode(self, events: Sequence[Mapping[str, Any]]) -> bytes:
        return orjson.dumps(list(events))

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        timestamp = str(int(now * 1000))
        v1 = hashlib.sha256(self._secret.encode() + body).hexdigest()
        return {
            "Content-Type": "application/json",
            "X-HubSpot-Signature": v1,
            "X-HubSpot-Signature-Version": "v1",
            "X-HubSpot-Signature-v3": signature_v3(self._secret, method, url, body, timestamp),
            "X-HubSpot-Request-Timestamp": timestamp,
        }
