"""When to try a failed vendor call again, and after how long.

Exponential backoff with full jitter (AWS: the n-th retry sleeps
`uniform(0, min(cap, base * 2**(n-1)))`), bounded by a number of attempts and
by a total time budget. A vendor's `Retry-After` (and an open breaker's
cooldown) is a floor on the delay; when that floor does not fit in the budget
the policy gives up at once instead of sleeping into a certain failure.

Only what is safe is retried: an error must be retryable, and the request
must be idempotent (GET, HEAD, OPTIONS, PUT, DELETE, or a POST/PATCH with an
idempotency key), unless the error proves the vendor never processed the
request: an open circuit (never sent) or a rate limit (refused before work).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from interlink._errors import (
    BudgetExhaustedError,
    CircuitOpenError,
    ConfigError,
    RateLimitedError,
    RetryableError,
    UpstreamError,
)
from interlink.http._models import Request

__all__ = ["RetryPolicy"]

_KEYS = ("attempts", "base", "cap", "total_timeout")
# 2**64 * base exceeds any cap: larger exponents would only overflow floats.
_MAX_EXPONENT = 64


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a failed call is retried.

    - `attempts`: total tries, the first included (1 = never retry).
    - `base`, `cap`: seconds; the n-th retry waits up to `min(cap, base * 2**(n-1))`.
    - `total_timeout`: seconds of attempts and waits together; None = unbounded.
    - `rng`: the jitter's random source; seed it for exact, repeatable delays.
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    total_timeout: float | None = 60.0
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _is_int(self.attempts) or self.attempts < 1:
            raise ConfigError("attempts", f"must be an integer >= 1, got {self.attempts!r}")
        if not _is_number(self.base) or self.base < 0:
            raise ConfigError("base", f"must be a number of seconds >= 0, got {self.base!r}")
        if not _is_number(self.cap) or self.cap < self.base:
            raise ConfigError("cap", f"must be a number >= base ({self.base}), got {self.cap!r}")
        timeout = self.total_timeout
        if timeout is not None and (not _is_number(timeout) or timeout <= 0):
            raise ConfigError("total_timeout", f"must be seconds > 0 or null, got {timeout!r}")

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = "retry", rng: random.Random | None = None
    ) -> RetryPolicy:
        """Build from a connector spec's `retry:` mapping (YAML), naming any bad field."""
        if not isinstance(data, Mapping):
            raise ConfigError(where, f"must be a mapping, got {type(data).__name__}")
        for key in data:
            if key not in _KEYS:
                raise ConfigError(f"{where}.{key}", f"unknown key (allowed: {', '.join(_KEYS)})")
        try:
            return cls(**data, rng=rng or random.Random())
        except ConfigError as exc:
            raise ConfigError(f"{where}.{exc.where}", exc.problem) from None

    def backoff(self, attempt: int) -> float:
        """A full-jitter delay after the `attempt`-th failed try (1-based)."""
        ceiling = min(self.cap, self.base * 2.0 ** min(attempt - 1, _MAX_EXPONENT))
        return self.rng.uniform(0.0, ceiling)

    def next_delay(
        self, error: UpstreamError, request: Request | None, attempt: int, elapsed: float
    ) -> float | None:
        """Seconds to wait before trying again, or None to give up and raise `error`.

        `attempt` counts the tries made so far (1 after the first failure);
        `elapsed` is the seconds spent since the first try began. `request`
        None means the caller vouches that repeating the operation is safe.
        """
        if not error.retryable or isinstance(error, BudgetExhaustedError):
            return None  # a spent daily budget is a stop, not a pause
        if attempt >= self.attempts:
            return None
        if request is not None and not request.is_idempotent and not _never_processed(error):
            return None
        delay = self.backoff(attempt)
        floor = _retry_after(error)
        if floor is not None and floor > delay:
            delay = floor
        if self.total_timeout is not None and elapsed + delay > self.total_timeout:
            return None
        return delay


def _never_processed(error: UpstreamError) -> bool:
    return isinstance(error, CircuitOpenError | RateLimitedError)


def _retry_after(error: UpstreamError) -> float | None:
    return error.retry_after if isinstance(error, RetryableError) else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))
