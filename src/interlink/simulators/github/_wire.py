"""GitHub's wire conventions: error bodies, rate-limit headers, Link pagination, ETags, webhooks.

Errors are `{"message", "documentation_url", "status"}` (`status` a string, as
GitHub has sent since 2024); validation failures add `errors: [{resource,
field, code}]`. Every answer to an authenticated call reports the primary
limit in `X-RateLimit-*` headers.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.responses import Response

from interlink.simulators._http import json_response
from interlink.simulators._ratelimit import Decision

__all__ = [
    "DOCS",
    "GitHubWebhooks",
    "error",
    "etag",
    "link_header",
    "rate_limit_headers",
    "signature_256",
    "validation_failed",
]

DOCS = "https://docs.github.com/rest"
LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
_MESSAGES = {
    400: "Problems parsing JSON",
    401: "Bad credentials",
    403: "Forbidden",
    404: "Not Found",
    405: "Not Found",
    409: "Conflict",
    410: "Gone",
    422: "Validation Failed",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
    504: "We couldn't respond to your request in time.",
}


def error(
    status: int,
    message: str | None = None,
    headers: Mapping[str, str] | None = None,
    docs: str = DOCS,
) -> Response:
    body = {"message": message or _MESSAGES.get(status, "Error"), "documentation_url": docs,
            "status": str(status)}  # fmt: skip
    return json_response(body, status, headers)


def validation_failed(
    resource: str, field: str, code: str, value: Any = None, message: str | None = None
) -> Response:
    """422 with GitHub's `errors` list naming the field at fault."""
    item: dict[str, Any] = {"resource": resource, "field": field, "code": code}
    if value is not None:
        item["value"] = value
    if message is not None:
        item["message"] = message
    body = {
        "message": "Validation Failed",
        "errors": [item],
        "documentation_url": "https://docs.github.com/rest/issues/issues",
        "status": "422",
    }
    return json_response(body, 422)


def request_id() -> str:
    """GitHub's X-GitHub-Request-Id shape: five colon-separated hex groups."""
    h = uuid.uuid4().hex.upper()
    return f"{h[:4]}:{h[4:10]}:{h[10:17]}:{h[17:24]}:{h[24:32]}"


def rate_limit_headers(decision: Decision, now: float, resource: str = "core") -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(int(now + decision.reset_after)),
        "X-RateLimit-Used": str(decision.limit - decision.remaining),
        "X-RateLimit-Resource": resource,
    }


def etag(body: bytes) -> str:
    """A weak validator of the representation, like GitHub's `W/"..."`."""
    return 'W/"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def link_header(base: str, params: Mapping[str, str], page: int, last: int) -> str | None:
    """`<...&page=N>; rel="prev", next, last, first`, in GitHub's order; None on a single page."""
    if last <= 1:
        return None

    def url(n: int) -> str:
        return f"{base}?{urlencode({**params, 'page': str(n)})}"

    links = []
    if page > 1:
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return ", ".join(links)


def signature_256(secret: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256(webhook secret, raw body)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class GitHubWebhooks:
    """One event per delivery, `X-Hub-Signature-256` (and the legacy SHA-1) over the body.

    The delivery GUID is derived from the body, so a redelivery (the duplicate
    fault) carries the same `X-GitHub-Delivery`, as GitHub's redeliveries do.
    """

    max_batch = 1

    def __init__(self, secret: str, hook_id: int, repository_id: int) -> None:
        self._secret, self._hook_id, self._repository_id = secret, hook_id, repository_id

    def encode(self, events: Sequence[Mapping[str, Any]]) -> bytes:
        return orjson.dumps(events[0])

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        sha1 = hmac.new(self._secret.encode(), body, hashlib.sha1).hexdigest()
        return {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/5c8d9a1",
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": str(uuid.UUID(bytes=hashlib.sha256(body).digest()[:16])),
            "X-GitHub-Hook-ID": str(self._hook_id),
            "X-GitHub-Hook-Installation-Target-ID": str(self._repository_id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
            "X-Hub-Signature": f"sha1={sha1}",
            "X-Hub-Signature-256": signature_256(self._secret, body),
        }
