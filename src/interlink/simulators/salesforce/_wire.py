"""Salesforce's wire conventions: error arrays, the API usage header, OAuth signatures,
and the simulator's Change Data Capture deliveries.

Errors are a JSON array of `{"message", "errorCode"}` (plus `fields` when a
field is at fault). Every API answer carries `Sforce-Limit-Info:
api-usage=N/M`. When the daily allocation is spent Salesforce answers 403
`REQUEST_LIMIT_EXCEEDED`, never 429.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

from interlink.simulators._ratelimit import Decision
from interlink.simulators.salesforce._objects import FieldError

__all__ = [
    "SIGNATURE_HEADER",
    "ChangeEvents",
    "error_response",
    "limit_info",
    "oauth_error",
    "token_signature",
    "webhook_signature",
]

SESSION_EXPIRED = "Session expired or invalid"
LIMIT_EXCEEDED = "TotalRequests Limit exceeded."
# The simulator's own header: Salesforce pushes Change Data Capture over CometD or
# the Pub/Sub API, not signed HTTP callbacks, so this signing is a simulator choice.
SIGNATURE_HEADER = "X-Interlink-Simulator-Signature"

_DEFAULTS: Mapping[int, tuple[str, str]] = {
    400: ("JSON_PARSER_ERROR", "The request body could not be parsed."),
    401: ("INVALID_SESSION_ID", SESSION_EXPIRED),
    403: ("REQUEST_LIMIT_EXCEEDED", LIMIT_EXCEEDED),
    404: ("NOT_FOUND", "The requested resource does not exist"),
    405: ("METHOD_NOT_ALLOWED", "HTTP Method not allowed for this resource"),
    409: ("CONFLICT", "Conflict"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Content type not supported"),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable"),
}


def _unknown_exception() -> str:
    # What Salesforce says on a 5xx: an opaque ErrorId to quote to support.
    n = uuid.uuid4().int
    return ("An unexpected error occurred. Please include this ErrorId if you contact "
            f"support: {n % 10**10}-{n // 10**10 % 10**6} ({-(n % 2**31)})")  # fmt: skip


def error_body(status: int, message: str | None, code: str | None) -> list[dict[str, Any]]:
    default_code, default_message = _DEFAULTS.get(status, ("UNKNOWN_EXCEPTION", ""))
    if status >= 500 and status != 503:
        default_message = _unknown_exception()
    return [{"message": message or default_message, "errorCode": code or default_code}]


def errors_body(errors: Iterable[FieldError]) -> list[dict[str, Any]]:
    return [
        {
            "message": e.message,
            "errorCode": e.error_code,
            **({"fields": list(e.fields)} if e.fields else {}),
        }
        for e in errors
    ]


def json_bytes(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def error_response(
    status: int, message: str | None, code: str | None, headers: Mapping[str, str] | None = None
) -> Response:
    extra = dict(headers or {})
    if status == 401:
        extra["WWW-Authenticate"] = "Token"  # as observed on Salesforce's 401s
    return json_bytes(status, error_body(status, message, code), extra)


def limit_info(daily: Decision) -> dict[str, str]:
    """`Sforce-Limit-Info: api-usage=25/15000`: calls used in the last 24 hours / allocation."""
    return {"Sforce-Limit-Info": f"api-usage={daily.limit - daily.remaining}/{daily.limit}"}


def oauth_error(error: str, description: str) -> Response:
    """The token endpoint's errors are OAuth-style objects, not error arrays."""
    return json_bytes(400, {"error": error, "error_description": description})


def token_signature(client_secret: str, identity_url: str, issued_at: str) -> str:
    """base64(HMAC-SHA256(consumer secret, id + issued_at)), as Salesforce signs token answers."""
    digest = hmac.new(client_secret.encode(), (identity_url + issued_at).encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def webhook_signature(secret: str, body: bytes) -> str:
    """hex(HMAC-SHA256(secret, body)): the simulator's signature of a CDC delivery."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class ChangeEvents:
    """Change Data Capture events as CometD delivers them: an array of
    `{"channel": "/data/ContactChangeEvent", "data": {"schema", "payload", "event"}}`."""

    max_batch = 100

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def encode(self, events: Sequence[Mapping[str, Any]]) -> bytes:
        return orjson.dumps(list(events))

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: webhook_signature(self._secret, body),
        }
