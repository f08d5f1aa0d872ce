"""The in-process limiter on a FakeClock: declared policies, waits, budgets, partitions."""

from __future__ import annotations

import asyncio

import pytest

from interlink._clock import FakeClock
from interlink._errors import BudgetExhaustedError
from interlink.http import Request, respond
from interlink.ratelimit import (
    Budget,
    InMemoryStore,
    LeakyBucket,
    Policy,
    RateLimiter,
    TokenBucket,
    Window,
)


def req(endpoint: str | None = None) -> Request:
    return Request.build("GET", "https://api.example.com/v1/things", endpoint=endpoint)


def limiter(clock: FakeClock, *policies: Policy, **kw: object) -> RateLimiter:
    kw.setdefault("jitter", 0.0)  # a fake clock has no network noise: pin the exact arithmetic
    return RateLimiter("acme", "conn-1", policies, clock=clock, **kw)  # type: ignore[arg-type]


async def grant_times(
    lim: RateLimiter, clock: FakeClock, count: int, endpoint: str | None = None
) -> list[float]:
    times = []
    for _ in range(count):
        await lim.acquire(req(endpoint))
        times.append(clock.monotonic())
    return times


async def test_window_admits_limit_then_waits_for_the_oldest_to_expire(clock: FakeClock) -> None:
    """3 per 10 s: three go at once, the fourth waits until the first leaves the window."""
    times = await grant_times(limiter(clock, Window(3, per=10)), clock, 5)
    assert times == [0, 0, 0, 10, 10]


async def test_window_slides_rather_than_resetting_on_a_boundary(clock: FakeClock) -> None:
    """Grants at 0 and 6 s keep counting at 10 s: never more than the limit in any 10 s."""
    lim = limiter(clock, Window(2, per=10))
    await lim.acquire(req())
    clock.advance(6)
    times = await grant_times(lim, clock, 3)
    assert times == [6, 10, 16]


async def test_token_bucket_bursts_then_paces_at_the_rate(clock: FakeClock) -> None:
    """Rate 2/s with burst 3: three at once, then one every half second."""
    times = await grant_times(limiter(clock, TokenBucket(rate=2, burst=3)), clock, 6)
    assert times == [0, 0, 0, 0.5, 1.0, 1.5]


async def test_token_bucket_refills_while_idle_up_to_the_burst(clock: FakeClock) -> None:
    """After a long idle spell the bucket holds `burst` requests, not more."""
    lim = limiter(clock, TokenBucket(rate=1, burst=2))
    await grant_times(lim, clock, 2)
    clock.advance(100)
    times = await grant_times(lim, clock, 3)
    assert times == [100, 100, 101]


async def test_leaky_bucket_fills_to_capacity_then_drains_at_leak_rate(clock: FakeClock) -> None:
    """Shopify style, 40 leaking 2/s: 40 at once, then one every 0.5 s."""
    times = await grant_times(limiter(clock, LeakyBucket(40, leak_rate=2)), clock, 42)
    assert times[:40] == [0] * 40
    assert times[40:] == [0.5, 1.0]


async def test_every_policy_must_admit(clock: FakeClock) -> None:
    """With 10/s burst 10 and 3 per minute, the minute window governs."""
    times = await grant_times(
        limiter(clock, TokenBucket(10, burst=10), Window(3, per=60)), clock, 4
    )
    assert times == [0, 0, 0, 60]


async def test_a_refusing_policy_consumes_nothing_from_the_others(clock: FakeClock) -> None:
    """A request refused by one policy leaves the other policies' capacity untouched."""
    lim = limiter(clock, Window(1, per=600, endpoint="search"), TokenBucket(1, burst=3), max_wait=1)
    await lim.acquire(req("search"))
    for _ in range(5):
        with pytest.raises(BudgetExhaustedError):
            await lim.acquire(req("search"))
    assert await grant_times(lim, clock, 2) == [0, 0]
    assert clock.sleeps == []


async def test_per_endpoint_limits_apply_only_to_their_endpoint(clock: FakeClock) -> None:
    """A search limit delays searches but not other endpoints."""
    lim = limiter(clock, Window(1, per=10, endpoint="search"))
    await lim.acquire(req("search"))
    assert await grant_times(lim, clock, 3, "contacts") == [0, 0, 0]
    assert await grant_times(lim, clock, 1, "search") == [10]


async def test_partitions_are_independent_unless_declared_per_app(clock: FakeClock) -> None:
    """Two credentials of one provider have separate budgets; per-app policies are shared."""
    store = InMemoryStore(clock=clock)
    own = [Window(1, per=10)]
    first = RateLimiter("acme", "conn-1", own, store=store, clock=clock, jitter=0.0)
    second = RateLimiter("acme", "conn-2", own, store=store, clock=clock, jitter=0.0)
    await first.acquire(req())
    await second.acquire(req())
    assert clock.sleeps == []

    shared = [Window(1, per=10, per_app=True)]
    third = RateLimiter("acme", "conn-3", shared, store=store, clock=clock, jitter=0.0)
    fourth = RateLimiter("acme", "conn-4", shared, store=store, clock=clock, jitter=0.0)
    await third.acquire(req())
    await fourth.acquire(req())
    assert clock.sleeps == [10]


async def test_concurrent_requests_wait_instead_of_provoking_429s(clock: FakeClock) -> None:
    """Twenty concurrent callers against a vendor allowing 2 per second: all queue, none refused."""
    sent: list[float] = []

    async def call(lim: RateLimiter) -> int:
        request = req()
        await lim.acquire(request)
        sent.append(clock.monotonic())
        recent = [t for t in sent if t > clock.monotonic() - 1]
        response = respond(request, 429 if len(recent) > 2 else 200)
        await lim.observe(request, response)
        return response.status

    lim = limiter(clock, Window(2, per=1))
    statuses = await asyncio.gather(*(call(lim) for _ in range(20)))
    assert statuses == [200] * 20
    assert max(sent) == 9.0


async def test_spent_daily_budget_raises_with_its_reset_time(clock: FakeClock) -> None:
    """The 4th call on a 3-per-day budget fails at once, saying when the day resets."""
    lim = limiter(clock, Budget(3), TokenBucket(10, burst=10))
    await grant_times(lim, clock, 3)
    with pytest.raises(BudgetExhaustedError) as caught:
        await lim.acquire(req())
    midnight = (int(clock.time()) // 86400 + 1) * 86400
    assert caught.value.resets_at == pytest.approx(midnight)
    assert caught.value.provider == "acme"
    assert clock.sleeps == []


async def test_waits_up_to_max_wait_and_raises_beyond(clock: FakeClock) -> None:
    """A 30 s wait is slept when max_wait is 60 s and raised when it is 10 s."""
    patient = limiter(clock, Window(1, per=30))
    await grant_times(patient, clock, 2)
    assert clock.sleeps == [30]

    hasty = RateLimiter("acme", "conn-2", [Window(1, per=30)], clock=clock, max_wait=10, jitter=0)
    await hasty.acquire(req())
    with pytest.raises(BudgetExhaustedError) as caught:
        await hasty.acquire(req())
    assert caught.value.retry_after == pytest.approx(30)


async def test_auth_requests_bypass_the_limits(clock: FakeClock) -> None:
    """Token-endpoint calls (purpose="auth") neither wait nor consume API capacity."""
    lim = limiter(clock, Window(1, per=10))
    token_call = Request.build("POST", "https://auth.example.com/token", purpose="auth")
    for _ in range(3):
        await lim.acquire(token_call)
    assert await grant_times(lim, clock, 1) == [0]
