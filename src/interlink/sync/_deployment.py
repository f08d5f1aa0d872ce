"""What every process of a deployment builds the same way from the settings.

```python
state = shared_state(settings, vault=vault, clock=clock)    # memory, or Redis
engine = leased(SyncEngine(...), state, prefix=settings.redis_prefix, ttl=settings.lease_ttl)
```

`interlink serve`, the CLI commands and the Celery workers all call these, so
they agree on the Redis keys (one `redis_prefix`), seal cached OAuth tokens
the same way, and take the same lease before syncing a (connection, resource).
A process that built its state differently would share nothing with the
others: its own budgets, its own tokens, and syncs running twice at once.
"""

from __future__ import annotations

from interlink._clock import Clock
from interlink.settings import Settings
from interlink.state import State
from interlink.sync._lease import RedisLeases
from interlink.sync._leased import LeasedEngine
from interlink.sync._runner import JobEngine
from interlink.vault import Vault

__all__ = ["TOKEN_PURPOSE", "leased", "shared_state"]

TOKEN_PURPOSE = "redis-tokens"
"""The vault cipher purpose OAuth token sets cached in Redis are sealed for."""


def shared_state(
    settings: Settings, *, vault: Vault, clock: Clock | None = None, prefix: str | None = None
) -> State:
    """In-process state when `settings.state` is `memory`; else Redis under `prefix`
    (default `settings.redis_prefix`), with cached OAuth tokens sealed by `vault`'s keys:
    a Redis dump or replica shows no usable token."""
    if settings.state == "memory":
        return State.in_process(clock=clock)
    return State.from_redis_url(
        settings.state,
        prefix=settings.redis_prefix if prefix is None else prefix,
        cipher=vault.cipher(TOKEN_PURPOSE),
        clock=clock,
    )


def leased(
    engine: JobEngine, state: State, *, prefix: str, ttl: float, identity: str | None = None
) -> JobEngine:
    """`engine` running each job under its Redis lease (`{prefix}lease:...`) when the state
    is shared through Redis; `engine` itself in process, where the runner alone decides."""
    if state.redis is None:
        return engine
    leases = RedisLeases(state.redis, prefix=f"{prefix}lease:", ttl=ttl)
    return LeasedEngine(engine, leases, identity=identity)
