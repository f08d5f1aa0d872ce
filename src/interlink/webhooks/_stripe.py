"""Stripe's signature: `Stripe-Signature: t=<epoch>,v1=<hex>[,v1=<hex>...]`.

The signed payload is `"{t}.{body}"`, HMAC-SHA256 with the endpoint's secret
(`whsec_...`, used as written). Stripe sends one `v1` per active secret while
an endpoint secret is rolled, so any `v1` may match any of our secrets;
`v0` (test-mode legacy) is ignored, as Stripe's own libraries do.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from interlink.webhooks._verify import (
    DEFAULT_TOLERANCE,
    Secret,
    WebhookVerificationError,
    any_matches,
    check_timestamp,
    decode_signature,
    header,
    parse_timestamp,
    require_secrets,
    secret_bytes,
)

__all__ = ["StripeSignature"]

SIGNATURE = "Stripe-Signature"


def parse_stripe_header(value: str) -> tuple[str, list[str]]:
    """(timestamp, v1 signatures) from the header; a header without both is malformed."""
    timestamp, signatures = "", []
    for item in value.split(","):
        key, sep, text = item.strip().partition("=")
        if not sep:
            raise WebhookVerificationError(
                "malformed_header", f"{SIGNATURE} item {item.strip()[:20]!r} is not key=value"
            )
        if key == "t":
            timestamp = text
        elif key == "v1":
            signatures.append(text)
    if not timestamp:
        raise WebhookVerificationError("malformed_header", f"{SIGNATURE} has no t= timestamp")
    if not signatures:
        raise WebhookVerificationError("missing_signature", f"{SIGNATURE} has no v1= signature")
    return timestamp, signatures


@dataclass(frozen=True, slots=True)
class StripeSignature:
    """Verifies `Stripe-Signature` deliveries."""

    tolerance: float = DEFAULT_TOLERANCE
    name: str = "stripe"

    def verify(
        self,
        headers: Mapping[str, str],
        body: bytes,
        secrets: Sequence[Secret],
        now: float,
        *,
        method: str = "POST",
        url: str = "",
    ) -> None:
        require_secrets(secrets)
        value = header(headers, SIGNATURE)
        if not value:
            raise WebhookVerificationError("missing_signature", f"no {SIGNATURE} header")
        timestamp, signatures = parse_stripe_header(value)
        signed_at = parse_timestamp(timestamp, f"{SIGNATURE} t=")
        given = [decode_signature(s, "hex", f"{SIGNATURE} v1=") for s in signatures]
        message = timestamp.encode() + b"." + body
        expected = [hmac.new(secret_bytes(s), message, hashlib.sha256).digest() for s in secrets]
        # The signature first: a forged delivery is bad_signature whatever its age.
        if not any_matches(expected, given):
            raise WebhookVerificationError(
                "bad_signature", f"no {SIGNATURE} v1= matches any active secret"
            )
        check_timestamp(signed_at, now, self.tolerance, f"{SIGNATURE} t=")
