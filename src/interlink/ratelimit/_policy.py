"""Declared rate-limit policies: frozen, validated at construction, compiled to buckets.

Every policy applies to one partition: the (provider, credential) the limiter
was built for, or the whole provider when `per_app` is set. A policy with an
`endpoint` applies only to requests whose `Request.endpoint` equals it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, TypeAlias

from interlink._errors import ConfigError
from interlink.ratelimit._buckets import Bucket, FixedWindow, Gcra, SlidingLog

__all__ = ["Budget", "LeakyBucket", "Policy", "TokenBucket", "Window"]


def _positive_int(owner: str, name: str, value: object, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{owner}.{name}", f"must be an integer >= {minimum}, got {value!r}")


def _positive(owner: str, name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigError(f"{owner}.{name}", f"must be a positive number, got {value!r}")


def _endpoint(owner: str, value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{owner}.endpoint", f"must be a non-empty string, got {value!r}")


def _suffix(endpoint: str | None) -> str:
    return f"@{endpoint}" if endpoint else ""


def _gcra(key: str, interval: float, burst: int, jitter: float) -> Gcra:
    # A request may reach the vendor up to `jitter` seconds earlier, relative to
    # its predecessors, than we admitted it: take that out of the burst allowance,
    # and only out of the rate when there is no burst left to absorb it.
    tolerance = (burst - 1) * interval
    if tolerance >= jitter:
        return Gcra(key, interval, tolerance - jitter)
    return Gcra(key, interval + jitter - tolerance, 0.0)


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` requests in any `per`-second interval (a sliding window)."""

    limit: int
    per: float
    endpoint: str | None = None
    per_app: bool = False
    kind: ClassVar[str] = "window"

    def __post_init__(self) -> None:
        _positive_int("window", "limit", self.limit)
        _positive("window", "per", self.per)
        _endpoint("window", self.endpoint)

    @property
    def name(self) -> str:
        return f"window:{self.limit}/{self.per:g}s{_suffix(self.endpoint)}"

    @property
    def quota(self) -> tuple[float, float]:
        """(requests, seconds): the limit as a vendor would advertise it."""
        return (float(self.limit), self.per)

    def buckets(self, key: str, jitter: float) -> tuple[Bucket, ...]:
        return (SlidingLog(key, self.limit, self.per + jitter),)


@dataclass(frozen=True, slots=True)
class TokenBucket:
    """`rate` requests per `per` seconds on average, up to `burst` at once."""

    rate: float
    per: float = 1.0
    burst: int = 1
    endpoint: str | None = None
    per_app: bool = False
    kind: ClassVar[str] = "token_bucket"

    def __post_init__(self) -> None:
        _positive("token_bucket", "rate", self.rate)
        _positive("token_bucket", "per", self.per)
        _positive_int("token_bucket", "burst", self.burst)
        _endpoint("token_bucket", self.endpoint)

    @property
    def name(self) -> str:
        return f"token_bucket:{self.rate:g}/{self.per:g}s+{self.burst}{_suffix(self.endpoint)}"

    @property
    def quota(self) -> tuple[float, float]:
        return (float(self.rate), self.per)

    def buckets(self, key: str, jitter: float) -> tuple[Bucket, ...]:
        return (_gcra(key, self.per / self.rate, self.burst, jitter),)


@dataclass(frozen=True, slots=True)
class LeakyBucket:
    """A bucket of `capacity` requests draining `leak_rate` per second (Shopify: 40, 2/s)."""

    capacity: int
    leak_rate: float
    endpoint: str | None = None
    per_app: bool = False
    kind: ClassVar[str] = "leaky_bucket"

    def __post_init__(self) -> None:
        _positive_int("leaky_bucket", "capacity", self.capacity)
        _positive("leaky_bucket", "leak_rate", self.leak_rate)
        _endpoint("leaky_bucket", self.endpoint)

    @property
    def name(self) -> str:
        return f"leaky_bucket:{self.capacity}-{self.leak_rate:g}/s{_suffix(self.endpoint)}"

    @property
    def quota(self) -> tuple[float, float]:
        return (float(self.leak_rate), 1.0)

    def buckets(self, key: str, jitter: float) -> tuple[Bucket, ...]:
        # A leaky bucket used as a meter is a token bucket: same arithmetic.
        return (_gcra(key, 1.0 / self.leak_rate, self.capacity, jitter),)


@dataclass(frozen=True, slots=True)
class Budget:
    """At most `limit` requests per calendar window (default: a day, reset at 00:00 UTC).

    `offset` moves the reset, in seconds after the window's UTC start. When a
    budget is spent, `acquire` raises `BudgetExhaustedError` instead of waiting.
    """

    limit: int
    per: float = 86400.0
    offset: float = 0.0
    endpoint: str | None = None
    per_app: bool = False
    kind: ClassVar[str] = "budget"

    def __post_init__(self) -> None:
        _positive_int("budget", "limit", self.limit)
        _positive("budget", "per", self.per)
        if not 0 <= self.offset < self.per:
            raise ConfigError("budget.offset", f"must be in [0, per), got {self.offset!r}")
        _endpoint("budget", self.endpoint)

    @property
    def name(self) -> str:
        return f"budget:{self.limit}/{self.per:g}s+{self.offset:g}{_suffix(self.endpoint)}"

    @property
    def quota(self) -> tuple[float, float]:
        return (float(self.limit), self.per)

    def buckets(self, key: str, jitter: float) -> tuple[Bucket, ...]:
        return (FixedWindow(key, self.limit, self.per, self.offset),)


Policy: TypeAlias = Window | TokenBucket | LeakyBucket | Budget
