"""Stripe's wire conventions: error objects, key redaction, Request-Id, webhook signing."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

__all__ = [
    "API_VERSION",
    "StripeWebhooks",
    "error_object",
    "redact_key",
    "stripe_signature",
]

API_VERSION = "2023-08-16"  # the version the 2023-09-12 OpenAPI description documents
DOCS = "https://stripe.com/docs"

NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)
RATE_LIMITED = (
    "Request rate limit exceeded. Learn more about rate limits here "
    "https://stripe.com/docs/rate-limits."
)
LOCK_TIMEOUT = (
    "This object cannot be accessed right now because another API request or Stripe process "
    "is currently accessing it. If you see this error intermittently, retry the request. If "
    "you see this error frequently and are making multiple concurrent requests to a single "
    "object, make your requests serially or at a lower rate. See "
    "https://stripe.com/docs/rate-limits for more details."
)
API_ERROR = "An unknown error occurred. Please try again later."
# Default (type, code, message) per status, for faults and framework errors.
_DEFAULTS: Mapping[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", None, NO_KEY),
    402: ("card_error", "card_declined", "Your card was declined."),
    403: ("invalid_request_error", "secret_key_required", "This API key does not have the "
          "required permissions for this request."),
    404: ("invalid_request_error", None, "Unrecognized request URL. Please see "
          f"{DOCS} or we can help at https://support.stripe.com/."),
    405: ("invalid_request_error", None, "Unrecognized request method for this URL. "
          f"Please see {DOCS}."),
    409: ("invalid_request_error", None, "There was a conflict with another request."),
    429: ("invalid_request_error", "rate_limit", RATE_LIMITED),
}  # fmt: skip


def error_object(
    status: int,
    message: str | None,
    request_id: str,
    *,
    type_: str | None = None,
    code: str | None = None,
    param: str | None = None,
) -> dict[str, Any]:
    """`{"error": {...}}` with Stripe's keys; absent ones are left out, as Stripe does."""
    default_type, default_code, default_message = _DEFAULTS.get(
        status, ("api_error", None, API_ERROR)
    )
    error: dict[str, Any] = {}
    code = code or (default_code if message is None else None)
    if code:
        error["code"] = code
        error["doc_url"] = f"{DOCS}/error-codes/{code.replace('_', '-')}"
    error["message"] = message or default_message
    if param:
        error["param"] = param
    error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
    error["type"] = type_ or default_type
    return {"error": error}


def redact_key(key: str) -> str:
    """`sk_test_****...1234`: Stripe echoes a bad key with all but its mode prefix and last
    four characters starred (one star per hidden character)."""
    for prefix in ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_"):
        if key.startswith(prefix):
            break
    else:
        prefix = ""
    rest = key[len(prefix) :]
    if len(rest) <= 4:
        return key
    return prefix + "*" * (len(rest) - 4) + rest[-4:]


def json_bytes(status: int, data: Any, headers: Mapping[str, str]) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def stripe_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256, keyed by the endpoint secret (whsec_..., used whole), of "t.body"."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class StripeWebhooks:
    """One Event object per request, signed `Stripe-Signature: t=<ts>,v1=<hex>`."""

    max_batch = 1

    def __init__(self, endpoint_secret: str) -> None:
        self._secret = endpoint_secret

    def encode(self, events: Sequence[Mapping[str, Any]]) -> bytes:
        return orjson.dumps(events[0])

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        timestamp = int(now)
        signature = stripe_signature(self._secret, timestamp, body)
        return {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": f"t={timestamp},v1={signature}",
        }
