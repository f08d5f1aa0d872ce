"""Zendesk's wire conventions: error bodies, rate-limit headers, cursors, webhook signing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.responses import Response

from interlink.simulators._ratelimit import Decision

__all__ = [
    "AUTH_FAILED",
    "INVALID_TOKEN",
    "ZendeskWebhooks",
    "decode_cursor",
    "encode_cursor",
    "error_body",
    "json_bytes",
    "rate_limit_headers",
    "rate_limited",
    "record_invalid",
    "webhook_signature",
]

AUTH_FAILED = "Couldn't authenticate you"
# What Zendesk's OAuth layer answers for a bearer token it will not accept (expired,
# revoked or unknown alike), as seen in real 401 bodies.
INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": "The access token provided is expired, revoked, malformed "
    "or invalid for other reasons.",
}
# (error, description) by status for answers that name no specifics (faults, unknown
# paths). 401, 404 and 422 are documented; the others are the simulator's guesses in
# Zendesk's {"error", "description"} shape.
_DEFAULTS: Mapping[int, tuple[str, str]] = {
    400: ("InvalidValue", "The request was malformed"),
    403: (
        "Forbidden",
        "You do not have access to this page. Please contact the account "
        "owner of this help desk for further help.",
    ),
    404: ("InvalidEndpoint", "Not found"),
    405: ("InvalidEndpoint", "Not found"),
    409: ("RecordNotUnique", "The record was changed by another request"),
    422: ("RecordInvalid", "Record validation errors"),
    500: ("InternalError", "Something went wrong on Zendesk's side"),
    502: ("BadGateway", "Bad gateway"),
    503: ("ServiceUnavailable", "Zendesk is temporarily unavailable, retry later"),
}
# Zendesk answers a 429 in plain text, not JSON (clients are told not to parse it).
RATE_LIMITED = "Number of allowed API requests per minute exceeded"
EXPORT_RATE_LIMITED = "Number of allowed incremental export API requests per minute exceeded"


def json_bytes(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def error_body(status: int, message: str | None, error: str | None) -> dict[str, Any]:
    """`{"error": ..., "description": ...}`; a 401 is `{"error": "Couldn't authenticate you"}`."""
    if status == 401 and error is None:
        return {"error": message or AUTH_FAILED}
    default_error, default_description = _DEFAULTS.get(status, ("InternalError", "Error"))
    return {"error": error or default_error, "description": message or default_description}


def record_invalid(details: Mapping[str, list[dict[str, Any]]]) -> Response:
    """422 RecordInvalid naming each invalid field under `details`."""
    return json_bytes(
        422,
        {"error": "RecordInvalid", "description": "Record validation errors", "details": details},
    )


def rate_limit_headers(decision: Decision) -> dict[str, str]:
    """The account-wide headers: both the legacy X-Rate-Limit pair and the IETF-draft trio."""
    reset = str(max(1, math.ceil(decision.reset_after)))
    return {
        "X-Rate-Limit": str(decision.limit),
        "X-Rate-Limit-Remaining": str(decision.remaining),
        "ratelimit-limit": str(decision.limit),
        "ratelimit-remaining": str(decision.remaining),
        "ratelimit-reset": reset,
    }


def rate_limited(message: str, retry_after: float, headers: Mapping[str, str]) -> Response:
    retry = str(max(1, math.ceil(retry_after)))
    return Response(
        message, 429, {**headers, "Retry-After": retry}, media_type="text/plain; charset=utf-8"
    )


def encode_cursor(*parts: object) -> str:
    """An opaque cursor; Zendesk's decode to "1576613539.0||467|"-style strings, as ours do."""
    return base64.urlsafe_b64encode("||".join(map(str, parts)).encode() + b"|").decode()


def decode_cursor(cursor: str, arity: int) -> list[str] | None:
    """The parts of a cursor this simulator made, or None when it is not one."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    parts = text.removesuffix("|").split("||")
    return parts if text.endswith("|") and len(parts) == arity else None


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """base64(HMAC-SHA256(signing secret, timestamp + body)), Zendesk's documented scheme."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class ZendeskWebhooks:
    """One event per request (Zendesk does not batch), signed with the webhook's secret."""

    max_batch = 1

    def __init__(self, webhook_id: str, signing_secret: str) -> None:
        self._id, self._secret = webhook_id, signing_secret

    def encode(self, events: Sequence[Mapping[str, Any]]) -> bytes:
        return orjson.dumps(events[0])

    def delivery_headers(self, events: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        # The invocation id names this delivery; a retried (duplicated) delivery repeats it.
        return {"X-Zendesk-Webhook-Invocation-Id": str(events[0]["id"])}

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        timestamp = datetime.fromtimestamp(int(now), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Zendesk Webhook",
            "X-Zendesk-Webhook-Id": self._id,
            "X-Zendesk-Webhook-Signature": webhook_signature(self._secret, timestamp, body),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        }
