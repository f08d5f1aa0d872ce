"""Where breaker state lives: one small Protocol, in-process or Redis behind it.

A store owns the whole state machine for a key, so each step (admit a call,
record an outcome) is atomic: in-process because no step awaits, in Redis
because each step is one Lua script. Both implement the same rules:

- closed: admit everything; count outcomes per time bucket; when the window
  holds `min_calls` calls and the failure share reaches `failure_rate`, open.
- open: refuse, with the seconds left of `cooldown`; once it has elapsed, the
  next caller moves the breaker to half-open and is admitted as a probe.
- half-open: admit up to `half_open_probes` probes; a probe success closes
  (with an empty window), a probe failure reopens. Probes that never report
  (a cancelled task, a dead worker) are replaced after another `cooldown`.
- outcomes recorded while open (calls admitted before it opened) are ignored.

Times are wall-clock seconds chosen by the caller (see `CircuitBreaker`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from interlink.breaker._config import BreakerConfig

__all__ = ["ADMITTED", "Admission", "BreakerStore", "Change", "State"]


class State(StrEnum):
    """The three states of a circuit breaker."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


Change = tuple[State, State]
"""A transition (old, new), reported only to the caller that caused it."""


@dataclass(frozen=True, slots=True)
class Admission:
    """The answer to "may this call go?"; `retry_after` is set when it may not."""

    admitted: bool
    retry_after: float = 0.0
    change: Change | None = None


ADMITTED = Admission(True)


class BreakerStore(Protocol):
    """Atomic breaker state for many keys (one key per provider and connection)."""

    async def admit(self, key: str, config: BreakerConfig, now: float) -> Admission:
        """Decide whether a call may go now, moving open → half-open when due."""
        ...

    async def record(
        self, key: str, config: BreakerConfig, success: bool, now: float
    ) -> Change | None:
        """Count an admitted call's outcome; return the transition it caused, if any."""
        ...

    async def state(self, key: str) -> State:
        """The stored state (an open breaker past its cooldown reads open until probed)."""
        ...
