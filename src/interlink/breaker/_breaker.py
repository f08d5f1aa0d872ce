"""The circuit breaker for one (provider, connection): fail fast while a vendor is down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog

from interlink._clock import Clock, SystemClock
from interlink._errors import CircuitOpenError
from interlink.breaker._config import BreakerConfig
from interlink.breaker._memory import InMemoryBreakerStore
from interlink.breaker._store import BreakerStore, Change, State

__all__ = ["CircuitBreaker", "Listener", "Transition"]

_log = structlog.get_logger("interlink.breaker")


@dataclass(frozen=True, slots=True)
class Transition:
    """A breaker changed state at wall time `at` (what metrics and logs observe)."""

    provider: str
    connection: str | None
    old: State
    new: State
    at: float


Listener = Callable[[Transition], None]
"""Called with every transition this breaker causes; exceptions are logged, never raised."""


class CircuitBreaker:
    """Implements the pipeline's `Breaker` for one provider (and optionally one connection).

    State lives in `store`: give every breaker of a process the same
    `InMemoryBreakerStore` (the default is private to this breaker), or a
    `RedisBreakerStore` so all worker processes share it. The breaker reads
    `clock.time()` (wall time) so processes sharing Redis compare like with
    like; `FakeClock` drives it in tests.

        breaker = CircuitBreaker("hubspot", "conn_42", store=store, listener=metrics.on_breaker)
        await breaker.before_call()   # raises CircuitOpenError while open
        ...
        await breaker.record(success)
    """

    __slots__ = ("_clock", "_key", "_listener", "_store", "config", "connection", "provider")

    def __init__(
        self,
        provider: str,
        connection: str | None = None,
        *,
        config: BreakerConfig | None = None,
        store: BreakerStore | None = None,
        clock: Clock | None = None,
        listener: Listener | None = None,
    ) -> None:
        self.provider = provider
        self.connection = connection
        self.config = config or BreakerConfig()
        self._store: BreakerStore = store or InMemoryBreakerStore()
        self._clock: Clock = clock or SystemClock()
        self._listener = listener
        self._key = f"{provider}:{connection or '*'}"

    async def before_call(self) -> None:
        """Admit the call, or raise `CircuitOpenError` with the seconds until the next probe."""
        now = self._clock.time()
        admission = await self._store.admit(self._key, self.config, now)
        if admission.change is not None:
            self._emit(admission.change, now)
        if not admission.admitted:
            scope = f" for connection {self.connection}" if self.connection else ""
            raise CircuitOpenError(
                f"circuit open{scope}: failing fast, next probe in {admission.retry_after:.1f}s",
                provider=self.provider,
                retry_after=admission.retry_after,
            )

    async def record(self, success: bool) -> None:
        """Count the outcome of an admitted call (failure: 5xx, network, timeout, malformed)."""
        now = self._clock.time()
        change = await self._store.record(self._key, self.config, success, now)
        if change is not None:
            self._emit(change, now)

    async def state(self) -> State:
        """The breaker's stored state, for dashboards and tests."""
        return await self._store.state(self._key)

    def _emit(self, change: Change, now: float) -> None:
        old, new = change
        transition = Transition(self.provider, self.connection, old, new, now)
        log = _log.warning if new is State.OPEN else _log.info
        log(
            "breaker.transition",
            provider=self.provider,
            connection=self.connection,
            old=old,
            new=new,
        )
        if self._listener is None:
            return
        try:
            self._listener(transition)
        except Exception:  # a broken metrics hook must not fail the vendor call
            _log.exception("breaker.listener_failed", provider=self.provider)

    def __repr__(self) -> str:
        return f"<CircuitBreaker {self._key}>"
