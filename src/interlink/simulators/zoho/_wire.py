"""Zoho CRM's wire conventions: error objects, credit headers, notification callbacks.

Errors are `{"code", "details", "message", "status": "error"}`; per-record
results in write answers have the same shape with `"status": "success"` for
the good ones. Notifications carry the `token` the subscriber chose (Zoho
signs nothing: comparing that token is how a receiver authenticates them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

from interlink.simulators._ratelimit import Decision

__all__ = ["Notifications", "error_body", "json_bytes", "limit_headers"]

_DEFAULTS: Mapping[int, tuple[str, str]] = {
    400: ("INVALID_DATA", "invalid data"),
    401: ("INVALID_TOKEN", "invalid oauth token"),
    403: ("NO_PERMISSION", "permission denied"),
    404: ("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"),
    405: ("INVALID_REQUEST_METHOD", "The http request method type is not a valid one"),
    429: ("TOO_MANY_REQUESTS", "The number of API credits has exceeded the limit"),
    500: ("INTERNAL_ERROR", "Internal Server Error"),
}


def error_body(
    status: int, message: str | None, code: str | None, details: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    default_code, default_message = _DEFAULTS.get(status, _DEFAULTS[500])
    return {
        "code": code or default_code,
        "details": dict(details or {}),
        "message": message or default_message,
        "status": "error",
    }


def json_bytes(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def limit_headers(credits: Decision, now: float) -> dict[str, str]:
    """Credit usage headers (names as on Zoho's v2 API; reset in epoch milliseconds).

    Which headers the credit system sends today is not documented: a guess.
    """
    return {
        "X-RATELIMIT-LIMIT": str(credits.limit),
        "X-RATELIMIT-REMAINING": str(credits.remaining),
        "X-RATELIMIT-RESET": str(int((now + credits.reset_after) * 1000)),
    }


class Notifications:
    """One POST per notification: `{"server_time", "query_params", "module", "resource_uri",
    "ids", "affected_fields", "operation", "channel_id", "token"}`, unsigned."""

    max_batch = 1

    def encode(self, events: Sequence[Mapping[str, Any]]) -> bytes:
        return orjson.dumps(events[0])

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        return {"Content-Type": "application/json"}
