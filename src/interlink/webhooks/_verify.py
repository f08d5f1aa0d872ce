"""What every signature scheme shares: the Protocol, the error, and the careful comparisons.

A scheme is a small object with one method, `verify`, that returns nothing when
a delivery is authentic and raises `WebhookVerificationError` with a reason
code otherwise. The intake counts rejections by that code, so codes are a
closed set and messages never echo a secret or an expected signature.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal, Protocol, TypeAlias

from interlink._errors import InterlinkError

__all__ = [
    "Reason",
    "Secret",
    "SignatureScheme",
    "WebhookVerificationError",
    "any_matches",
    "check_timestamp",
    "decode_signature",
    "header",
    "parse_timestamp",
    "require_secrets",
    "secret_bytes",
]

Reason: TypeAlias = Literal[
    "missing_signature", "bad_signature", "stale_timestamp", "malformed_header", "no_secret"
]
Secret: TypeAlias = bytes | str
"""A signing secret; several may be active at once while one is being rotated."""

DEFAULT_TOLERANCE = 300.0
"""Five minutes either way: the window HubSpot, Stripe, Slack and Standard Webhooks use."""


class WebhookVerificationError(InterlinkError):
    """A delivery is not provably from the vendor. `reason` is a stable code for counting."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason: Reason = reason
        self.message = message


class SignatureScheme(Protocol):
    """Verifies one delivery against the connection's active secrets.

    `now` is epoch seconds (from the injectable clock). `method` and `url` are
    the request line as the vendor addressed it, for schemes that sign it
    (HubSpot v3); the others ignore them.
    """

    @property
    def name(self) -> str:
        """The scheme's name, as a connector spec writes it (counters are labelled with it)."""
        ...

    def verify(
        self,
        headers: Mapping[str, str],
        body: bytes,
        secrets: Sequence[Secret],
        now: float,
        *,
        method: str = "POST",
        url: str = "",
    ) -> None: ...


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The header `name`, matched case-insensitively (a plain dict may hold any casing)."""
    value = headers.get(name)
    if value is not None:
        return value
    lower = name.lower()
    for key, value in headers.items():
        if key.lower() == lower:
            return value
    return None


def secret_bytes(secret: Secret) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def require_secrets(secrets: Sequence[Secret]) -> None:
    if not secrets:
        raise WebhookVerificationError("no_secret", "no webhook secret is configured")


def any_matches(expected: Sequence[bytes], given: Sequence[bytes]) -> bool:
    """True when any given signature equals any expected one, compared in constant time.

    Every pair is compared (no early exit on the first secret) so the time
    taken does not reveal which secret of a rotation matched.
    """
    found = False
    for want in expected:
        for got in given:
            found |= hmac.compare_digest(want, got)
    return found


def decode_signature(text: str, encoding: Literal["hex", "base64"], where: str) -> bytes:
    """A signature's bytes; an undecodable one is `malformed_header` naming `where`."""
    try:
        if encoding == "hex":
            return bytes.fromhex(text)
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise WebhookVerificationError(
            "malformed_header", f"{where} is not {encoding}-encoded"
        ) from None


def parse_timestamp(text: str, where: str, *, unit: Literal["s", "ms", "iso"] = "s") -> float:
    """Epoch seconds from a header value; anything else is `malformed_header`."""
    try:
        if unit == "iso":
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError("no time zone")
            return moment.timestamp()
        if not text.isascii() or not text.strip().isdigit():
            raise ValueError("not an integer")
        value = float(int(text))
        return value / 1000 if unit == "ms" else value
    except (ValueError, OverflowError):
        expected = {"s": "epoch seconds", "ms": "epoch milliseconds", "iso": "an ISO 8601 time"}
        raise WebhookVerificationError(
            "malformed_header", f"{where} must be {expected[unit]}, got {text[:40]!r}"
        ) from None


def check_timestamp(signed_at: float, now: float, tolerance: float, where: str) -> None:
    """Refuse a delivery signed too long ago (a replay) or too far ahead (a skewed forger)."""
    age = now - signed_at
    if abs(age) > tolerance:
        when = f"{age:.0f} s old" if age > 0 else f"{-age:.0f} s in the future"
        raise WebhookVerificationError(
            "stale_timestamp", f"{where} is {when}; the tolerance is {tolerance:.0f} s"
        )
