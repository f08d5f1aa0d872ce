"""Reading a token endpoint's answer: a `TokenSet`, or an error the caller can act on.

RFC 6749 §5.2 error codes decide the class: `invalid_grant` (Slack:
`invalid_refresh_token`) means the grant (refresh token) is dead and the end
user must connect again; every other refusal means the client's own
credentials or configuration are wrong.
Throttling and outages are retryable like any vendor call. Token endpoints
sometimes echo what they were sent, so error texts are scrubbed of every
secret the flow knows before they leave this module.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

import orjson

from interlink._errors import (
    AuthError,
    MalformedResponseError,
    RateLimitedError,
    ReauthorizationRequired,
    ServerError,
    UpstreamError,
)
from interlink._redact import REDACTED
from interlink.auth._tokens import TokenSet
from interlink.http._models import Response
from interlink.http._retry_after import parse_retry_after

__all__ = ["read_token_response"]

_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_DESCRIPTION_LIMIT = 200
_DEAD_GRANT = frozenset({"invalid_grant", "invalid_refresh_token"})
"""RFC 6749's code for a dead grant, and Slack's for a spent or revoked refresh token."""
_STANDARD = frozenset({"access_token", "token_type", "expires_in", "refresh_token", "scope"})
"""RFC 6749 §5.1's fields; every other field of the answer is kept in `TokenSet.extras`."""


def read_token_response(response: Response, *, now: float, secrets: Iterable[str]) -> TokenSet:
    """The token set in a 2xx `response`, or raise the `UpstreamError` it amounts to."""
    hidden = tuple(s for s in secrets if s)
    status = response.status
    if status == 429:
        header = response.headers.get("Retry-After")
        delay = parse_retry_after(header, now) if header is not None else None
        raise _scrub(
            RateLimitedError(
                "token endpoint is rate limiting", retry_after=delay, **_ctx(response)
            ),
            hidden,
        )
    if status == 408 or status >= 500:
        raise _scrub(
            ServerError(f"token endpoint failed (HTTP {status})", **_ctx(response)), hidden
        )
    data = _decode(response)
    if 200 <= status < 300 and isinstance(data, dict) and "access_token" in data:
        return _token_set(data, response, now)
    if 200 <= status < 300 and not (isinstance(data, dict) and "error" in data):
        raise MalformedResponseError(
            "token response is not a JSON object with an 'access_token'", **_ctx(response)
        )
    raise _scrub(_refusal(data if isinstance(data, dict) else {}, response), hidden)


def _refusal(data: dict[str, Any], response: Response) -> UpstreamError:
    code = data.get("error")
    code = code if isinstance(code, str) and _ERROR_CODE.match(code) else None
    description = data.get("error_description")
    detail = ""
    if isinstance(description, str) and description:
        detail = f": {description[:_DESCRIPTION_LIMIT]}"
    label = code or f"HTTP {response.status}"
    if code in _DEAD_GRANT:
        return ReauthorizationRequired(
            f"the grant was revoked or expired ({code}){detail}; the user must connect again",
            **_ctx(response),
        )
    return AuthError(f"token endpoint refused the client ({label}){detail}", **_ctx(response))


def _token_set(data: dict[str, Any], response: Response, now: float) -> TokenSet:
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise _malformed("access_token", "must be a non-empty string", response)
    refresh_token = data.get("refresh_token")
    if refresh_token is not None and (not isinstance(refresh_token, str) or not refresh_token):
        raise _malformed("refresh_token", "must be a non-empty string when present", response)
    token_type = data.get("token_type", "Bearer")
    if not isinstance(token_type, str):
        raise _malformed("token_type", "must be a string", response)
    scope = data.get("scope")
    if isinstance(scope, list) and all(isinstance(s, str) for s in scope):
        scope = " ".join(scope)
    elif scope is not None and not isinstance(scope, str):
        raise _malformed("scope", "must be a space-separated string", response)
    expires_in = _expires_in(data.get("expires_in"), response)
    return TokenSet(
        access_token=access_token,
        token_type=token_type,
        expires_at=None if expires_in is None else now + expires_in,
        obtained_at=now,
        refresh_token=refresh_token,
        scope=scope,
        extras={k: v for k, v in data.items() if k not in _STANDARD},
    )


def _expires_in(value: object, response: Response) -> float | None:
    if value is None:
        return None
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value.strip())
        except ValueError:
            seconds = None
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        # Echo numbers only: a string here could be anything, including a token.
        shown = repr(value) if isinstance(value, int | float) else f"a {type(value).__name__}"
        raise _malformed(
            "expires_in", f"must be a positive number of seconds, got {shown}", response
        )
    return seconds


def _decode(response: Response) -> object:
    content_type = response.headers.get("Content-Type", "")
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(response.text, keep_blank_values=True))
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def _malformed(name: str, problem: str, response: Response) -> MalformedResponseError:
    return MalformedResponseError(f"token response: {name!r} {problem}", **_ctx(response))


def _ctx(response: Response) -> dict[str, Any]:
    return {"request": response.request, "response": response}


def _scrub(error: UpstreamError, secrets: tuple[str, ...]) -> UpstreamError:
    """Remove known secrets from an error's message and body excerpt."""
    error.message = _without(error.message, secrets)
    if error.body is not None:
        error.body = _without(error.body, secrets)
    error.args = (error.message,)
    return error


def _without(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text
