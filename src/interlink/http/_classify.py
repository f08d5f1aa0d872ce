"""Classify a vendor response into the error tree, once, and decode its JSON once.

The pipeline calls, per response:

    error = classify(response, provider=p, contract=c)        # status only: no parsing on success
    if error is None:
        body = decode_json(response, provider=p, contract=c)  # the one JSON decode
        error = c.check(response, body, provider=p)           # 200 {"ok": false} and friends

Statuses map to what the caller should do: 408/5xx → `ServerError`; 429 →
`RateLimitedError` (with `retry_after`); 401 → `AuthError`; 403 →
`PermissionDeniedError`, unless it carries `Retry-After` or
`X-RateLimit-Remaining: 0` (GitHub's secondary limits) → `RateLimitedError`;
404/410 → `NotFoundError`; 409/412 → `ConflictError`; other 4xx (and stray
redirects) → `FatalError`. A vendor error code declared in the contract wins.
"""

from __future__ import annotations

from http import HTTPStatus

import orjson

from interlink._clock import Clock
from interlink._errors import (
    AuthError,
    ConflictError,
    FatalError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UpstreamError,
)
from interlink._types import JSON, HeaderMap
from interlink.http._contract import DEFAULT_CONTRACT, ERROR_KINDS, ErrorContract
from interlink.http._models import Response
from interlink.http._retry_after import parse_retry_after, retry_after_from
from interlink.http._vendor_text import describe, peek_body

__all__ = [
    "DEFAULT_CONTRACT",
    "ERROR_KINDS",
    "ErrorContract",
    "classify",
    "decode_json",
    "describe",
    "parse_retry_after",
    "retry_after_from",
]

_BY_STATUS: dict[int, type[UpstreamError]] = {
    401: AuthError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: ServerError,
    409: ConflictError,
    410: NotFoundError,
    412: ConflictError,
    429: RateLimitedError,
}
_PHRASES = {status.value: status.phrase for status in HTTPStatus}


def classify(
    response: Response,
    *,
    provider: str,
    contract: ErrorContract | None = None,
    clock: Clock | None = None,
) -> UpstreamError | None:
    """The error `response`'s status means, or None for 2xx and 304.

    Only a failed response's body is read, for the vendor's code and message.
    `clock` dates an HTTP-date `Retry-After` (default: the system clock).
    """
    status = response.status
    if status < 300 or status == 304:
        return None
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else FatalError
    elif cls is PermissionDeniedError and _is_secondary_rate_limit(response.headers):
        cls = RateLimitedError
    phrase = _PHRASES.get(status, "")
    prefix = f"HTTP {status} {phrase}".rstrip()
    return (contract or DEFAULT_CONTRACT).error_for(
        response, peek_body(response), provider=provider, default=cls, prefix=prefix, clock=clock
    )


def decode_json(
    response: Response, *, provider: str, contract: ErrorContract | None = None
) -> JSON:
    """Decode `response`'s JSON body, the one time it is decoded.

    An empty body is None only for HEAD and the contract's "no data" statuses
    (204 by default); anywhere else it is a `MalformedResponseError`, as is
    truncated or invalid JSON: a broken page must never pass for an empty one.
    """
    content = response.content
    if not content or content.isspace():
        no_data = (contract or DEFAULT_CONTRACT).no_data_statuses
        if response.status in no_data or response.request.method == "HEAD":
            return None
        raise MalformedResponseError(
            f"HTTP {response.status} with an empty body where JSON was expected",
            provider=provider,
            request=response.request,
            response=response,
        )
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        # orjson's message names the position, never the content.
        raise MalformedResponseError(
            f"HTTP {response.status} with invalid JSON ({exc})",
            provider=provider,
            request=response.request,
            response=response,
        ) from None


def _is_secondary_rate_limit(headers: HeaderMap) -> bool:
    return "Retry-After" in headers or headers.get("X-RateLimit-Remaining", "").strip() == "0"
