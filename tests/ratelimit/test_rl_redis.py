"""The Redis store: the same semantics as in-process, atomic in Lua, on Redis server time.

`max_wait=0` turns every refusal into an immediate `BudgetExhaustedError`, so
these tests see exactly what Redis granted without sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from interlink._clock import FakeClock, SystemClock
from interlink._errors import BudgetExhaustedError
from interlink.http import Request, respond
from interlink.ratelimit import (
    Budget,
    LeakyBucket,
    Policy,
    RateLimiter,
    RedisStore,
    TokenBucket,
    Window,
)

pytestmark = pytest.mark.redis

Factory = Callable[..., RateLimiter]


def req(endpoint: str | None = None) -> Request:
    return Request.build("GET", "https://api.example.com/v1/things", endpoint=endpoint)


@pytest.fixture
async def make(redis_url: str, redis_prefix: str) -> AsyncIterator[Factory]:
    """Build limiters on their own Redis connections, as separate workers would have."""
    stores: list[RedisStore] = []

    def build(partition: str, *policies: Policy, **kw: object) -> RateLimiter:
        store = RedisStore.from_url(redis_url)
        stores.append(store)
        options: dict[str, object] = {"max_wait": 0, "clock": FakeClock(), "jitter": 0.0, **kw}
        return RateLimiter(
            "acme", partition, policies, store=store, key_prefix=redis_prefix, **options
        )  # type: ignore[arg-type]

    yield build
    for store in stores:
        await store.aclose()
    client = aioredis.Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(match=f"{redis_prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def granted(lim: RateLimiter, attempts: int, endpoint: str | None = None) -> int:
    count = 0
    for _ in range(attempts):
        try:
            await lim.acquire(req(endpoint))
        except BudgetExhaustedError:
            continue
        count += 1
    return count


async def test_window_grants_exactly_its_limit(make: Factory) -> None:
    """3 per minute in Redis: three granted, the rest refused with a wait within the window."""
    lim = make("conn-1", Window(3, per=60))
    assert await granted(lim, 3) == 3
    with pytest.raises(BudgetExhaustedError) as caught:
        await lim.acquire(req())
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 60


async def test_token_bucket_grants_its_burst(make: Factory) -> None:
    """Rate 1 per minute with burst 3: three at once, the fourth told to wait about a minute."""
    lim = make("conn-1", TokenBucket(1, per=60, burst=3))
    assert await granted(lim, 5) == 3
    with pytest.raises(BudgetExhaustedError) as caught:
        await lim.acquire(req())
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 60


async def test_leaky_bucket_grants_its_capacity(make: Factory) -> None:
    """A 5-request bucket leaking slowly admits five, then refuses."""
    assert await granted(make("conn-1", LeakyBucket(5, leak_rate=0.01)), 8) == 5


async def test_daily_budget_raises_with_the_utc_midnight_reset(make: Factory) -> None:
    """A spent daily budget raises BudgetExhaustedError resetting at the next UTC midnight."""
    lim = make("conn-1", Budget(2), clock=SystemClock())
    assert await granted(lim, 2) == 2
    with pytest.raises(BudgetExhaustedError) as caught:
        await lim.acquire(req())
    midnight = (int(SystemClock().time()) // 86400 + 1) * 86400
    assert caught.value.resets_at == pytest.approx(midnight, abs=5)


async def test_a_refusal_consumes_nothing_from_other_policies(make: Factory) -> None:
    """The Lua script checks every bucket before consuming any of them."""
    lim = make("conn-1", Window(1, per=600, endpoint="search"), TokenBucket(1, per=60, burst=3))
    assert await granted(lim, 6, "search") == 1
    assert await granted(lim, 5) == 2


async def test_partitions_and_per_app_policies(make: Factory) -> None:
    """Credentials have their own buckets; a per-app policy is one bucket for all of them."""
    first, second = make("conn-1", Window(1, per=60)), make("conn-2", Window(1, per=60))
    assert await granted(first, 2) == 1
    assert await granted(second, 2) == 1
    shared = [Window(3, per=60, per_app=True)]
    assert await granted(make("conn-3", *shared), 2) == 2
    assert await granted(make("conn-4", *shared), 2) == 1


async def test_workers_with_skewed_clocks_share_one_window(make: Factory) -> None:
    """Two workers whose clocks differ by two hours still share 2 per minute exactly."""
    here = make("conn-1", Window(2, per=60), clock=FakeClock(start=1_700_000_000))
    there = make("conn-1", Window(2, per=60), clock=FakeClock(start=1_700_007_200))
    assert await granted(here, 1) == 1
    assert await granted(there, 3) == 1
    assert await granted(here, 3) == 0


async def test_a_429_pauses_the_partition_for_every_worker(make: Factory) -> None:
    """A 429 seen by one worker pauses that credential in every worker, and only it."""
    policies = (TokenBucket(100, burst=100),)
    seen_429, sibling, stranger = (
        make("conn-1", *policies),
        make("conn-1", *policies),
        make("conn-2", *policies),
    )
    request = req()
    await seen_429.acquire(request)
    await seen_429.observe(request, respond(request, 429, headers={"Retry-After": "30"}))
    with pytest.raises(BudgetExhaustedError) as caught:
        await sibling.acquire(req())
    assert caught.value.retry_after is not None
    assert 25 < caught.value.retry_after <= 30
    assert await granted(stranger, 1) == 1


async def test_a_shorter_pause_never_shortens_a_longer_one(make: Factory) -> None:
    """Retry-After 100 then Retry-After 1 still leaves the partition paused ~100 s."""
    lim = make("conn-1", TokenBucket(100, burst=100))
    for advice in ("100", "1"):
        request = req()
        await lim.observe(request, respond(request, 429, headers={"Retry-After": advice}))
    with pytest.raises(BudgetExhaustedError) as caught:
        await lim.acquire(req())
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 90


async def test_waiting_on_redis_grants_every_request(make: Factory) -> None:
    """With room to wait, a burst beyond the bucket is paced, not refused."""
    lim = make("conn-1", TokenBucket(50, burst=2), clock=SystemClock(), max_wait=1)
    assert await granted(lim, 6) == 6
