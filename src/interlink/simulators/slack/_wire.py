"""Slack's wire conventions: `ok: false` errors, cursors, rate-limit answers, request signing.

Slack answers almost every failure with HTTP 200 and `{"ok": false, "error":
"<code>"}`; only rate limiting (429 + `Retry-After`) and unknown methods (404)
use the status line. Cursors are opaque base64 strings; Slack's own decode to
`user:U0G9WFXNZ` / `team:C061FA5PB`, and so do these.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

from interlink.simulators._http import Reply

__all__ = [
    "SlackError",
    "SlackEvents",
    "decode_cursor",
    "encode_cursor",
    "ok_false",
    "rate_limited",
    "signature_v0",
]


def ok_false(code: str, status: int = 200, headers: Mapping[str, str] | None = None,
             **extra: Any) -> Response:  # fmt: skip
    body = orjson.dumps({"ok": False, "error": code, **extra})
    return Response(body, status, headers, media_type="application/json")


class SlackError(Reply):
    """Answer `{"ok": false, "error": code, **extra}` with HTTP 200, as Slack does.

    A `Reply`, so a check deep inside a handler ends the request with one raise.
    """

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(ok_false(code, **extra))
        self.code = code


def rate_limited(retry_after: float) -> Response:
    """HTTP 429 with `Retry-After` (whole seconds, at least 1) and `error: ratelimited`."""
    seconds = max(1, math.ceil(retry_after))
    return ok_false("ratelimited", 429, {"Retry-After": str(seconds)})


def encode_cursor(kind: str, slack_id: str) -> str:
    """`user:U0G9WFXNZ` as base64: the next page starts at that record."""
    return base64.b64encode(f"{kind}:{slack_id}".encode()).decode("ascii")


def decode_cursor(cursor: str, kind: str) -> str | None:
    """The Slack id a cursor points at, or None when it is not one of ours."""
    try:
        text = base64.b64decode(cursor, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    prefix, _, slack_id = text.partition(":")
    return slack_id if prefix == kind and slack_id else None


def signature_v0(signing_secret: str, timestamp: str, body: bytes) -> str:
    """`v0=` + hex HMAC-SHA256(signing secret, "v0:{timestamp}:{body}")."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


class SlackEvents:
    """The Events API: one event envelope per request, signed with the v0 scheme.

    A second delivery of the same envelope is what Slack calls a retry: it
    carries `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`, and the same
    `event_id`, so receivers can deduplicate.
    """

    max_batch = 1

    def __init__(self, signing_secret: str) -> None:
        self._secret = signing_secret
        self._attempts: Counter[bytes] = Counter()  # body digest -> deliveries so far

    def encode(self, events: Sequence[Mapping[str, Any]]) -> bytes:
        return orjson.dumps(events[0])

    def sign(self, method: str, url: str, body: bytes, now: float) -> dict[str, str]:
        timestamp = str(int(now))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature_v0(self._secret, timestamp, body),
        }
        digest = hashlib.sha256(body).digest()
        retries = self._attempts[digest]
        self._attempts[digest] += 1
        if len(self._attempts) > 10_000:  # only recent envelopes can be retried
            self._attempts.clear()
        if retries:
            headers["X-Slack-Retry-Num"] = str(retries)
            headers["X-Slack-Retry-Reason"] = "http_error"
        return headers
