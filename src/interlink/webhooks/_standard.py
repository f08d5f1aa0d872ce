"""Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp`, `webhook-signature`.

The signed content is `"{id}.{timestamp}.{body}"`, HMAC-SHA256, base64, sent
as space-separated `v1,<base64>` entries (one per active secret during a
rotation). Secrets are `whsec_` + base64 of the key; raw bytes are the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from interlink._errors import ConfigError
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
)

__all__ = ["StandardWebhooks", "standard_key"]

ID, TIMESTAMP, SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"
PREFIX = "whsec_"


def standard_key(secret: Secret) -> bytes:
    """The HMAC key of a Standard Webhooks secret (`whsec_<base64>`, bare base64, or bytes)."""
    if isinstance(secret, bytes):
        return secret
    text = secret.removeprefix(PREFIX).rstrip("=")
    try:
        # Padding is optional in the wild, so it is restored before decoding.
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (ValueError, binascii.Error):
        raise ConfigError("webhooks.secret", "a Standard Webhooks secret must be base64 "
                          "(whsec_...)") from None  # fmt: skip
    if not key:
        raise ConfigError("webhooks.secret", "a Standard Webhooks secret must not be empty")
    return key


@dataclass(frozen=True, slots=True)
class StandardWebhooks:
    """Verifies Standard Webhooks deliveries (Svix, Resend, Clerk, ... and our own outbound)."""

    tolerance: float = DEFAULT_TOLERANCE
    name: str = "standard_webhooks"

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
        msg_id, timestamp = header(headers, ID), header(headers, TIMESTAMP)
        signature = header(headers, SIGNATURE)
        if not signature:
            raise WebhookVerificationError("missing_signature", f"no {SIGNATURE} header")
        if not msg_id or not timestamp:
            missing = ID if not msg_id else TIMESTAMP
            raise WebhookVerificationError("missing_signature", f"no {missing} header")
        signed_at = parse_timestamp(timestamp, TIMESTAMP)
        given = []
        for entry in signature.split():
            version, sep, text = entry.partition(",")
            if not sep:
                raise WebhookVerificationError(
                    "malformed_header", f"{SIGNATURE} entry must be version,signature"
                )
            if version == "v1":  # other versions (v1a: asymmetric) are not ours to check
                given.append(decode_signature(text, "base64", SIGNATURE))
        if not given:
            raise WebhookVerificationError("missing_signature", f"{SIGNATURE} has no v1 entry")
        message = f"{msg_id}.{timestamp}.".encode() + body
        expected = [hmac.new(standard_key(s), message, hashlib.sha256).digest() for s in secrets]
        if not any_matches(expected, given):
            raise WebhookVerificationError(
                "bad_signature", f"no {SIGNATURE} v1 entry matches any active secret"
            )
        check_timestamp(signed_at, now, self.tolerance, TIMESTAMP)
