"""Keep credentials out of logs, errors and reprs.

Redaction works on names, not values: any header or query parameter whose name
is known to carry a secret is replaced, plus any name a `Request` marks as
sensitive (an API key sent in a vendor-specific header or parameter).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["REDACTED", "SENSITIVE_HEADERS", "SENSITIVE_PARAMS", "redact_headers", "redact_url"]

REDACTED = "[REDACTED]"

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "apikey",
        "x-auth-token",
        "x-access-token",
        "x-shopify-access-token",
    }
)

SENSITIVE_PARAMS = frozenset(
    {
        "api_key",
        "apikey",
        "api_token",
        "access_token",
        "refresh_token",
        "client_secret",
        "token",
        "key",
        "password",
        "secret",
        "signature",
        "sig",
        "code",
        "hapikey",
    }
)


def _is_sensitive(name: str, extra: Iterable[str], defaults: frozenset[str]) -> bool:
    lowered = name.lower()
    return lowered in defaults or lowered in extra


def redact_url(url: str, sensitive: Iterable[str] = ()) -> str:
    """Return `url` with user-info and secret-bearing query values replaced."""
    extra = {name.lower() for name in sensitive}
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, REDACTED if _is_sensitive(k, extra, SENSITIVE_PARAMS) else v) for k, v in pairs],
            safe="[]",
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_headers(headers: Mapping[str, str], sensitive: Iterable[str] = ()) -> dict[str, str]:
    """Return a copy of `headers` with secret-bearing values replaced."""
    extra = {name.lower() for name in sensitive}
    return {
        k: (REDACTED if _is_sensitive(k, extra, SENSITIVE_HEADERS) else v)
        for k, v in headers.items()
    }
