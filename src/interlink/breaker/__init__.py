"""Circuit breakers per (provider, connection), with in-process or Redis state.

store = RedisBreakerStore.from_url("redis://localhost:6379/0")  # or InMemoryBreakerStore()
breaker = CircuitBreaker("hubspot", "conn_42", config=BreakerConfig(cooldown=60), store=store)
"""

from __future__ import annotations

from interlink.breaker._base import Breaker
from interlink.breaker._breaker import CircuitBreaker, Listener, Transition
from interlink.breaker._config import BreakerConfig
from interlink.breaker._memory import InMemoryBreakerStore
from interlink.breaker._redis import RedisBreakerStore
from interlink.breaker._store import Admission, BreakerStore, State

__all__ = [
    "Admission",
    "Breaker",
    "BreakerConfig",
    "BreakerStore",
    "CircuitBreaker",
    "InMemoryBreakerStore",
    "Listener",
    "RedisBreakerStore",
    "State",
    "Transition",
]
