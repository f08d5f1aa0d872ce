"""Redis-backed breakers: one breaker per (provider, connection) shared by every process."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from interlink._clock import FakeClock
from interlink.breaker import (
    BreakerConfig,
    CircuitBreaker,
    InMemoryBreakerStore,
    RedisBreakerStore,
    State,
    Transition,
)
from interlink.errors import CircuitOpenError

CONFIG = BreakerConfig(min_calls=4, failure_rate=0.5, window=30.0, cooldown=30.0)


@pytest.fixture
async def second_client(redis_url: str) -> Redis:
    """A second connection, standing in for another worker process."""
    client = Redis.from_url(redis_url)
    yield client  # type: ignore[misc]
    await client.aclose()


def worker(client: Redis, prefix: str, clock: FakeClock, seen: list[Transition]) -> CircuitBreaker:
    """One worker's breaker for salesforce/conn_9 on its own store and client."""
    store = RedisBreakerStore(client, prefix=prefix)
    return CircuitBreaker(
        "salesforce", "conn_9", config=CONFIG, store=store, clock=clock, listener=seen.append
    )


async def test_two_workers_share_one_breaker(
    redis_client: Redis, second_client: Redis, redis_prefix: str, clock: FakeClock
) -> None:
    """Failures seen by worker A open the breaker for worker B; B's probe closes it for A."""
    seen_a: list[Transition] = []
    seen_b: list[Transition] = []
    a = worker(redis_client, redis_prefix, clock, seen_a)
    b = worker(second_client, redis_prefix, clock, seen_b)
    for breaker in (a, b, a, b):
        await breaker.before_call()
        await breaker.record(False)
    assert await a.state() is State.OPEN
    with pytest.raises(CircuitOpenError) as caught:
        await b.before_call()
    assert caught.value.retry_after == 30.0
    clock.advance(30.0)
    await b.before_call()
    with pytest.raises(CircuitOpenError):
        await a.before_call()  # B holds the only probe
    await b.record(True)
    await a.before_call()
    # Each transition is reported once, by the worker whose call caused it.
    assert [(t.old, t.new) for t in seen_b] == [
        (State.CLOSED, State.OPEN),
        (State.OPEN, State.HALF_OPEN),
        (State.HALF_OPEN, State.CLOSED),
    ]
    assert seen_a == []


async def test_concurrent_callers_get_exactly_the_probe_budget(
    redis_client: Redis, second_client: Redis, redis_prefix: str, clock: FakeClock
) -> None:
    """Forty concurrent callers on two clients in half-open: exactly half_open_probes pass."""
    config = BreakerConfig(min_calls=4, cooldown=5.0, half_open_probes=2)
    stores = [RedisBreakerStore(c, prefix=redis_prefix) for c in (redis_client, second_client)]
    breakers = [
        CircuitBreaker("salesforce", "conn_9", config=config, store=s, clock=clock) for s in stores
    ]
    for _ in range(4):
        await breakers[0].record(False)
    clock.advance(5.0)
    results = await asyncio.gather(
        *(breakers[i % 2].before_call() for i in range(40)), return_exceptions=True
    )
    admitted = [r for r in results if r is None]
    refused = [r for r in results if isinstance(r, CircuitOpenError)]
    assert (len(admitted), len(refused)) == (2, 38)


async def test_state_lives_under_the_prefix_and_expires(
    redis_client: Redis, redis_prefix: str, clock: FakeClock
) -> None:
    """The breaker is one hash under the configured prefix, with a TTL so dead keys vanish."""
    breaker = worker(redis_client, redis_prefix, clock, [])
    await breaker.record(False)
    key = f"{redis_prefix}breaker:salesforce:conn_9"
    assert await redis_client.exists(key) == 1
    ttl_ms = await redis_client.pttl(key)
    assert 0 < ttl_ms <= 2_000 * (CONFIG.window + CONFIG.cooldown)


async def test_unreachable_redis_degrades_to_an_in_process_breaker(clock: FakeClock) -> None:
    """With Redis down the breaker still works, per process, instead of failing every call."""
    dead = Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0), socket_connect_timeout=1)
    store = RedisBreakerStore(dead, prefix="unused:", fallback=InMemoryBreakerStore())
    breaker = CircuitBreaker("salesforce", "conn_9", config=CONFIG, store=store, clock=clock)
    for _ in range(4):
        await breaker.before_call()
        await breaker.record(False)
    with pytest.raises(CircuitOpenError):
        await breaker.before_call()
    assert await breaker.state() is State.OPEN
    await dead.aclose()
