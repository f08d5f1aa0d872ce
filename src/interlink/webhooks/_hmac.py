"""A configurable HMAC over the body: the scheme most vendors use, in its many spellings.

One class covers Shopify (base64 HMAC-SHA256 in `X-Shopify-Hmac-Sha256`),
GitHub (`sha256=` + hex in `X-Hub-Signature-256`) and any vendor that signs
the raw body with a shared secret: algorithm, hex or base64, header name and
an optional prefix are settings. A vendor that mixes a timestamp into the
signed message (Zendesk before the body, BambooHR after it) names the
timestamp header and its position; the timestamp is then held to the tolerance.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

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
    secret_bytes,
)

__all__ = ["HmacSignature"]


@dataclass(frozen=True, slots=True)
class HmacSignature:
    """HMAC of the body (optionally with a timestamp) in one header, compared in constant time."""

    header: str
    algorithm: str = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    prefix: str = ""
    timestamp_header: str | None = None
    timestamp_position: Literal["before", "after"] = "before"
    timestamp_unit: Literal["s", "ms", "iso"] = "s"
    tolerance: float = DEFAULT_TOLERANCE
    name: str = "hmac"

    def __post_init__(self) -> None:
        if not self.header:
            raise ConfigError("webhooks.hmac.header", "is required (the signature's header name)")
        if self.algorithm not in hashlib.algorithms_guaranteed or self.algorithm.startswith(
            ("shake_", "blake2")
        ):
            raise ConfigError(
                "webhooks.hmac.algorithm",
                f"must be an HMAC digest such as sha256, sha512 or sha1, got {self.algorithm!r}",
            )
        if self.encoding not in ("hex", "base64"):
            raise ConfigError(
                "webhooks.hmac.encoding", f"must be hex or base64, got {self.encoding!r}"
            )

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
        value = header(headers, self.header)
        if not value:
            raise WebhookVerificationError("missing_signature", f"no {self.header} header")
        if not value.startswith(self.prefix):
            raise WebhookVerificationError(
                "malformed_header", f"{self.header} must start with {self.prefix!r}"
            )
        given = decode_signature(value[len(self.prefix) :], self.encoding, self.header)
        message, signed_at = body, None
        if self.timestamp_header is not None:
            timestamp = header(headers, self.timestamp_header)
            if not timestamp:
                raise WebhookVerificationError(
                    "missing_signature", f"no {self.timestamp_header} header"
                )
            signed_at = parse_timestamp(timestamp, self.timestamp_header, unit=self.timestamp_unit)
            stamp = timestamp.encode()
            message = stamp + body if self.timestamp_position == "before" else body + stamp
        expected = [hmac.new(secret_bytes(s), message, self.algorithm).digest() for s in secrets]
        if not any_matches(expected, [given]):
            raise WebhookVerificationError(
                "bad_signature", f"{self.header} matches none of the active secrets"
            )
        if signed_at is not None:
            check_timestamp(signed_at, now, self.tolerance, str(self.timestamp_header))
