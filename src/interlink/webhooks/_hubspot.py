"""HubSpot's v3 signature: the request line, body and a millisecond timestamp, HMAC-SHA256.

`X-HubSpot-Signature-v3` = base64(HMAC-SHA256(client secret, method + URI +
body + timestamp)) with `X-HubSpot-Request-Timestamp` in epoch milliseconds,
refused when older than five minutes. HubSpot signs the URI with a few
characters URL-decoded, so the same decoding is applied before signing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

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

__all__ = ["HubSpotV3"]

SIGNATURE = "X-HubSpot-Signature-v3"
TIMESTAMP = "X-HubSpot-Request-Timestamp"
# HubSpot's documented table of escapes to decode in the URI before signing.
_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip


def hubspot_uri(url: str) -> str:
    for escaped, char in _DECODED.items():
        url = url.replace(escaped, char).replace(escaped.lower(), char)
    return url


@dataclass(frozen=True, slots=True)
class HubSpotV3:
    """Verifies `X-HubSpot-Signature-v3` deliveries."""

    tolerance: float = DEFAULT_TOLERANCE
    name: str = "hubspot_v3"
    signs_url: ClassVar[bool] = True  # the intake computes the request URL only for such schemes

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
        signature, timestamp = header(headers, SIGNATURE), header(headers, TIMESTAMP)
        if not signature:
            raise WebhookVerificationError("missing_signature", f"no {SIGNATURE} header")
        if not timestamp:
            raise WebhookVerificationError("missing_signature", f"no {TIMESTAMP} header")
        signed_at = parse_timestamp(timestamp, TIMESTAMP, unit="ms")
        given = decode_signature(signature, "base64", SIGNATURE)
        message = method.upper().encode() + hubspot_uri(url).encode() + body + timestamp.encode()
        expected = [hmac.new(secret_bytes(s), message, hashlib.sha256).digest() for s in secrets]
        if not any_matches(expected, [given]):
            raise WebhookVerificationError(
                "bad_signature", f"{SIGNATURE} matches none of the active secrets"
            )
        check_timestamp(signed_at, now, self.tolerance, TIMESTAMP)
