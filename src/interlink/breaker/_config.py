"""How a circuit breaker decides: a failure rate over a sliding time window."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from interlink._errors import ConfigError

__all__ = ["BreakerConfig"]


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """When a breaker opens, how long it stays open, and how it probes.

    - `failure_rate`: the share of failed calls (0 < rate <= 1) that opens it,
    - `min_calls`: ... but only once the window holds at least this many calls,
    - `window`: seconds of history counted, kept in `buckets` slices (so a call
      counts for between `window - window/buckets` and `window` seconds),
    - `cooldown`: seconds open before probing (half-open),
    - `half_open_probes`: calls let through while half-open; the first to
      succeed closes the breaker, the first to fail reopens it.
    """

    failure_rate: float = 0.5
    min_calls: int = 10
    window: float = 30.0
    cooldown: float = 30.0
    half_open_probes: int = 1
    buckets: int = 10

    def __post_init__(self) -> None:
        rate = self.failure_rate
        if not _is_number(rate) or not 0 < rate <= 1:
            raise ConfigError("failure_rate", f"must be a number in (0, 1], got {rate!r}")
        for name in ("min_calls", "half_open_probes", "buckets"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise ConfigError(name, f"must be an integer >= 1, got {value!r}")
        for name in ("window", "cooldown"):
            value = getattr(self, name)
            if not _is_number(value) or value <= 0:
                raise ConfigError(name, f"must be a number of seconds > 0, got {value!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "breaker") -> BreakerConfig:
        """Build from a connector spec's `breaker:` mapping (YAML), naming any bad field."""
        if not isinstance(data, Mapping):
            raise ConfigError(where, f"must be a mapping, got {type(data).__name__}")
        allowed = [f.name for f in fields(cls)]
        for key in data:
            if key not in allowed:
                raise ConfigError(f"{where}.{key}", f"unknown key (allowed: {', '.join(allowed)})")
        try:
            return cls(**data)
        except ConfigError as exc:
            raise ConfigError(f"{where}.{exc.where}", exc.problem) from None

    @property
    def bucket_width(self) -> float:
        """Seconds covered by one slice of the window."""
        return self.window / self.buckets


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))
