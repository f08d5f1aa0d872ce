"""Slack's v0 signature: `X-Slack-Signature: v0=<hex>` over `v0:{timestamp}:{body}`.

The timestamp is `X-Slack-Request-Timestamp` in epoch seconds; Slack asks
receivers to refuse requests more than five minutes old.
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

__all__ = ["SlackV0"]

SIGNATURE = "X-Slack-Signature"
TIMESTAMP = "X-Slack-Request-Timestamp"


@dataclass(frozen=True, slots=True)
class SlackV0:
    """Verifies Slack's signed requests (Events API, interactivity, slash commands)."""

    tolerance: float = DEFAULT_TOLERANCE
    name: str = "slack_v0"

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
        version, sep, text = signature.partition("=")
        if not sep or version != "v0":
            raise WebhookVerificationError("malformed_header", f"{SIGNATURE} must start with v0=")
        signed_at = parse_timestamp(timestamp, TIMESTAMP)
        given = decode_signature(text, "hex", SIGNATURE)
        message = b"v0:" + timestamp.encode() + b":" + body
        expected = [hmac.new(secret_bytes(s), message, hashlib.sha256).digest() for s in secrets]
        if not any_matches(expected, [given]):
            raise WebhookVerificationError(
                "bad_signature", f"{SIGNATURE} matches none of the active secrets"
            )
        check_timestamp(signed_at, now, self.tolerance, TIMESTAMP)
