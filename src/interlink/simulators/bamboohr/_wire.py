"""BambooHR's wire conventions: XML unless JSON is asked for, errors carried in the
`X-BambooHR-Error-Message` header, RFC 7807 bodies on the v2 Datasets API, 503 +
Retry-After as the throttle, and HMAC-SHA256 signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson
from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "ERROR_HEADER",
    "BambooWebhooks",
    "error",
    "problem",
    "signature",
    "wants_json",
    "xml_employee",
    "xml_response",
]

ERROR_HEADER = "X-BambooHR-Error-Message"
_TITLES: Mapping[int, str] = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict",
    415: "Unsupported Media Type", 422: "Unprocessable Entity", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable",
}  # fmt: skip
# What BambooHR's "Technical Overview" says each status means, as the default message.
_MESSAGES: Mapping[int, str] = {
    400: "The request was invalid or could not be understood by the server.",
    401: "Your API key is missing.",
    403: "The application is attempting to perform an action it does not have privileges "
    "to access. Verify your API key belongs to an enabled user with the required permissions.",
    404: "The resource was not found with the given identifier.",
    406: "The request contains references to non-existent fields.",
    409: "The request attempts to create a duplicate.",
    500: "The server encountered an error while processing your request and failed.",
    502: "The load balancer or web server had trouble connecting to the BambooHR app.",
    503: "The service is temporarily unavailable.",
}


def wants_json(request: Request) -> bool:
    """BambooHR answers XML unless the request accepts JSON."""
    return "application/json" in request.headers.get("accept", "")


def error(status: int, message: str | None, headers: Mapping[str, str] | None = None) -> Response:
    """A classic-API error: the status, an empty body, the reason in X-BambooHR-Error-Message."""
    text = message or _MESSAGES.get(status, _TITLES.get(status, "Error"))
    return Response(b"", status, {ERROR_HEADER: text, **(headers or {})})


def problem(status: int, message: str | None, code: str | None = None) -> Response:
    """A Datasets v2 error: RFC 7807 `application/problem+json` with an X-Request-ID."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": message or _MESSAGES.get(status, "Error"),
    }
    if code:
        body["code"] = code
    request_id = str(uuid.uuid4())
    headers = {"X-Request-ID": request_id, ERROR_HEADER: body["detail"]}
    return Response(orjson.dumps(body), status, headers, media_type="application/problem+json")


def xml_response(
    body: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    payload = '<?xml version="1.0"?>\n' + body
    return Response(payload.encode(), status, headers, media_type="text/xml")


def _fields_xml(values: Mapping[str, str | None]) -> str:
    return "".join(
        f"<field id={quoteattr(k)}>{escape(v or '')}</field>"
        for k, v in values.items()
        if k != "id"
    )


def xml_employee(employee_id: str, values: Mapping[str, str | None]) -> str:
    return f"<employee id={quoteattr(employee_id)}>{_fields_xml(values)}</employee>"


def xml_directory(fieldset: Iterable[tuple[str, str]], employees: Iterable[str]) -> str:
    fields = "".join(f"<field id={quoteattr(k)}>{escape(t)}</field>" for k, t in fieldset)
    rows = "".join(employees)
    return f"<directory><fieldset>{fields}</fieldset><employees>{rows}</employees></directory>"


def signature(private_key: str, body: bytes, timestamp: str) -> str:
    """hex(HMAC-SHA256(private key, body + timestamp)): BambooHR's webhook signature."""
    return hmac.new(private_key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


class BambooWebhooks:
    """`{"employees": [...]}` per POST, signed with the webhook's private key."""

    max_batch = 100  # a guess: BambooHR batches the changes of one firing into one POST

    def __init__(self, private_key: str) -> None:
        self._key = private_key

    def encode(self, events: Sequence[Mapping[str, Any]]) -> bytes:
        return orjson.dumps({"employees": list(events)})

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        timestamp = str(int(now))
        return {
            "Content-Type": "application/json",
            "User-Agent": "BambooHR-WebHooks/1.0 (+https://www.bamboohr.com)",
            "X-BambooHR-Timestamp": timestamp,
            "X-BambooHR-Signature": signature(self._key, body, timestamp),
        }
