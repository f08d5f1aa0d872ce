"""Breaker state in this process: the default, shared by every breaker given the same store."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from interlink.breaker._config import BreakerConfig
from interlink.breaker._store import ADMITTED, Admission, Change, State

__all__ = ["InMemoryBreakerStore"]


@dataclass(slots=True)
class _Circuit:
    state: State = State.CLOSED
    since: float = 0.0  # when the current open or half-open phase began
    probes: int = 0
    buckets: dict[int, list[int]] = field(default_factory=dict)  # index → [successes, failures]


class InMemoryBreakerStore:
    """Breaker state in a dict. Each method runs without awaiting, so each step is atomic."""

    __slots__ = ("_circuits",)

    def __init__(self) -> None:
        self._circuits: dict[str, _Circuit] = {}

    async def admit(self, key: str, config: BreakerConfig, now: float) -> Admission:
        circuit = self._circuits.get(key)
        if circuit is None or circuit.state is State.CLOSED:
            return ADMITTED
        if now < circuit.since:  # the wall clock stepped back: restart the phase, don't wait it out
            circuit.since = now
        if circuit.state is State.OPEN:
            wait = circuit.since + config.cooldown - now
            if wait > 0:
                return Admission(False, wait)
            circuit.state, circuit.since, circuit.probes = State.HALF_OPEN, now, 1
            return Admission(True, change=(State.OPEN, State.HALF_OPEN))
        if circuit.probes < config.half_open_probes:
            circuit.probes += 1
            return ADMITTED
        wait = circuit.since + config.cooldown - now
        if wait > 0:
            return Admission(False, wait)
        circuit.since, circuit.probes = now, 1  # the probes went silent: let a fresh one through
        return ADMITTED

    async def record(
        self, key: str, config: BreakerConfig, success: bool, now: float
    ) -> Change | None:
        circuit = self._circuits.get(key)
        if circuit is None:
            circuit = self._circuits[key] = _Circuit()
        if circuit.state is State.OPEN:
            return None
        if circuit.state is State.HALF_OPEN:
            if success:
                self._circuits[key] = _Circuit()
                return (State.HALF_OPEN, State.CLOSED)
            self._circuits[key] = _Circuit(State.OPEN, since=now)
            return (State.HALF_OPEN, State.OPEN)
        index = math.floor(now / config.bucket_width)  # the same arithmetic as the Lua script
        counts = circuit.buckets.get(index)
        if counts is None:
            counts = circuit.buckets[index] = [0, 0]
            _prune(circuit.buckets, index - config.buckets)
        counts[0 if success else 1] += 1
        if success:
            return None  # a success can only lower the failure rate
        total = failures = 0
        for ok, failed in circuit.buckets.values():
            total += ok + failed
            failures += failed
        if total >= config.min_calls and failures >= config.failure_rate * total:
            self._circuits[key] = _Circuit(State.OPEN, since=now)
            return (State.CLOSED, State.OPEN)
        return None

    async def state(self, key: str) -> State:
        circuit = self._circuits.get(key)
        return State.CLOSED if circuit is None else circuit.state


def _prune(buckets: dict[int, list[int]], oldest_gone: int) -> None:
    for index in [i for i in buckets if i <= oldest_gone]:
        del buckets[index]
