"""A `Request` as plain JSON, for checkpoints: enough to send it again, never a credential.

A sync checkpoints the request for its next page so a crashed run resumes
there. Credentials are not part of it: the auth flow adds them to every
attempt, so the stored request carries none, and whatever a header or query
parameter name says is secret (the well-known names and the request's own
`sensitive` marks) is dropped here as well, from the URL's query too.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from interlink._errors import ConfigError
from interlink._redact import SENSITIVE_HEADERS, SENSITIVE_PARAMS
from interlink.http._models import Request

__all__ = ["request_from_json", "request_to_json"]

_VERSION = 1


def request_to_json(request: Request) -> dict[str, Any]:
    """`request` as a JSON-ready dict without credentials."""
    secret_headers = SENSITIVE_HEADERS | request.sensitive
    secret_params = SENSITIVE_PARAMS | request.sensitive
    out: dict[str, Any] = {
        "v": _VERSION,
        "method": request.method,
        "url": _clean_url(request.url, secret_params),
        "headers": {k: v for k, v in request.headers.items() if k.lower() not in secret_headers},
        "params": {k: v for k, v in request.params.items() if k.lower() not in secret_params},
    }
    if request.content is not None:
        out["content"] = base64.b64encode(request.content).decode("ascii")
    for name in ("timeout", "endpoint", "idempotency_key"):
        value = getattr(request, name)
        if value is not None:
            out[name] = value
    if request.purpose != "api":
        out["purpose"] = request.purpose
    if request.sensitive:
        out["sensitive"] = sorted(request.sensitive)
    return out


def request_from_json(data: Any, *, where: str = "request") -> Request:
    """The `Request` `request_to_json` wrote; anything else is a `ConfigError` at `where`."""
    if not isinstance(data, Mapping) or data.get("v") != _VERSION:
        raise ConfigError(where, f"is not a serialized request (version {_VERSION})")
    method, url = data.get("method"), data.get("url")
    if not isinstance(method, str) or not isinstance(url, str) or not urlsplit(url).scheme:
        raise ConfigError(where, "needs a method and an absolute url")
    headers, params = data.get("headers", {}), data.get("params", {})
    if not _str_map(headers) or not _str_map(params):
        raise ConfigError(where, "headers and params must map strings to strings")
    content = data.get("content")
    try:
        body = None if content is None else base64.b64decode(content, validate=True)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}.content", "is not base64") from None
    purpose = data.get("purpose", "api")
    if purpose not in ("api", "auth"):
        raise ConfigError(f"{where}.purpose", f"must be 'api' or 'auth', got {purpose!r}")
    return Request(
        method,
        url,
        dict(headers),
        dict(params),
        body,
        data.get("timeout"),
        purpose,
        data.get("endpoint"),
        data.get("idempotency_key"),
        frozenset(data.get("sensitive", ())),
    )


def _str_map(value: Any) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _clean_url(url: str, secret: frozenset[str]) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]  # user-info is a credential too
    if not parts.query:
        return urlunsplit(parts._replace(netloc=netloc))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k.lower() not in secret]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit(parts._replace(netloc=netloc, query=query))
