"""When a vendor says we may try again: `Retry-After` and its reset-header cousins.

`Retry-After` is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
Without it, the rate-limit reset headers answer the same question:
`RateLimit-Reset` (IETF draft: delta seconds) and `X-RateLimit-Reset`, which
GitHub and X send as epoch seconds and others as a delta.
"""

from __future__ import annotations

import math
from datetime import UTC
from email.utils import parsedate_to_datetime

from interlink._types import HeaderMap

__all__ = ["parse_retry_after", "retry_after_from"]

# A reset value this large can only be an epoch timestamp (it is after 2001).
_EPOCH_THRESHOLD = 1_000_000_000.0


def parse_retry_after(value: str, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` value at wall time `now`; None if unreadable."""
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # HTTP-dates are GMT by definition
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def retry_after_from(headers: HeaderMap, now: float) -> float | None:
    """The wait a response's headers ask for, or None when they say nothing usable."""
    value = headers.get("Retry-After")
    if value is not None:
        return parse_retry_after(value, now)
    value = headers.get("RateLimit-Reset")
    if value is not None:
        return parse_retry_after(value, now)
    value = headers.get("X-RateLimit-Reset")
    if value is None:
        return None
    try:
        reset = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(reset):
        return None
    return max(0.0, reset - now) if reset >= _EPOCH_THRESHOLD else max(0.0, reset)
