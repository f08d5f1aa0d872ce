"""Turning observations into policies and pauses: pure, so every rule is testable alone."""

from __future__ import annotations

from collections.abc import Iterable

from interlink.ratelimit._headers import RateLimitObservation
from interlink.ratelimit._policy import Policy, TokenBucket, Window

__all__ = ["LONG_WINDOW", "exhausted_for", "infer_window", "learned_policies", "told_to_wait"]

LONG_WINDOW = 3600.0
"""Windows this long are budgets: never paced, only stopped at when spent."""

_STANDARD_WINDOWS = (1.0, 2.0, 5.0, 10.0, 60.0, 3600.0, 86400.0)  # 2 s: Pipedrive


def infer_window(observation: RateLimitObservation, now: float) -> float | None:
    """The window of an advertised limit: stated, or the standard one its reset fits in.

    A reset is at most one window away, so the smallest standard window that
    holds it is a lower bound; callers keep the largest they have seen.
    """
    if observation.window is not None:
        return observation.window
    if observation.reset_at is None or observation.reset_at <= now:
        return None
    delay = observation.reset_at - now
    return next((w for w in _STANDARD_WINDOWS if delay <= w), delay)


def learned_policies(limit: int, window: float) -> tuple[Policy, ...]:
    """How to pace to `limit` per `window` when only the vendor's headers say so.

    The vendor's shape (fixed window, sliding window, token bucket) is unknown:
    never more than `limit` in any window, and a burst of at most a tenth of
    it, is safe against all three while still reaching the full rate.
    Long windows are budgets, left to the exhausted-until-reset rule.
    """
    if window >= LONG_WINDOW or limit < 1:
        return ()
    burst = max(1, limit // 10)
    return (Window(limit, window), TokenBucket(limit, per=window, burst=burst))


def exhausted_for(observations: Iterable[RateLimitObservation], now: float) -> float:
    """Seconds until the latest reset among limits the response says are spent (0: none)."""
    waits = [
        obs.reset_at - now
        for obs in observations
        if obs.remaining is not None and obs.remaining <= 0 and obs.reset_at is not None
    ]
    return max([0.0, *waits])


def told_to_wait(observations: Iterable[RateLimitObservation], now: float) -> float | None:
    """What a 429 advises: `Retry-After`, else the reset of a spent (or any) limit."""
    observations = tuple(observations)
    advised = [obs.retry_after for obs in observations if obs.retry_after is not None]
    if advised:
        return max(advised)
    spent = exhausted_for(observations, now)
    if spent > 0:
        return spent
    resets = [obs.reset_at - now for obs in observations if obs.reset_at is not None]
    resets = [r for r in resets if r > 0]
    return min(resets) if resets else None
