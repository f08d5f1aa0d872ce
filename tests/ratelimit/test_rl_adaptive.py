"""The limiter learning from responses: advertised limits, spent limits, 429 pauses."""

from __future__ import annotations

import asyncio
from email.utils import formatdate

import pytest

from interlink._clock import FakeClock
from interlink._errors import BudgetExhaustedError
from interlink.http import Request, Response, respond
from interlink.ratelimit import InMemoryStore, RateLimiter, TokenBucket, Window


def req(endpoint: str | None = None) -> Request:
    return Request.build("GET", "https://api.example.com/v1/things", endpoint=endpoint)


async def exchange(lim: RateLimiter, status: int = 200, **headers: str) -> Response:
    request = req()
    await lim.acquire(request)
    response = respond(
        request, status, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )
    await lim.observe(request, response)
    return response


class FixedWindowVendor:
    """A fake vendor allowing `limit` per fixed 1-second window, advertised only in headers."""

    def __init__(self, clock: FakeClock, limit: int) -> None:
        self.clock, self.limit = clock, limit
        self.counts: dict[int, int] = {}

    def __call__(self, request: Request) -> Response:
        second = int(self.clock.monotonic())
        used = self.counts[second] = self.counts.get(second, 0) + 1
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - used)),
            "X-RateLimit-Reset": str(second + 1 - self.clock.monotonic()),
        }
        return respond(request, 429 if used > self.limit else 200, headers=headers)


async def test_an_advertised_limit_is_learned_and_paced_to(clock: FakeClock) -> None:
    """With no declared policy, 40 concurrent calls to a 5-per-second vendor get no 429."""
    vendor = FixedWindowVendor(clock, limit=5)
    lim = RateLimiter("acme", "conn-1", clock=clock)

    async def call() -> int:
        request = req()
        await lim.acquire(request)
        response = vendor(request)
        await lim.observe(request, response)
        return response.status

    statuses = await asyncio.gather(*(call() for _ in range(40)))
    assert statuses.count(429) == 0
    assert Window(5, per=1.0) in lim.learned
    assert max(vendor.counts.values()) == 5  # it still used the full limit


async def test_the_first_request_probes_before_others_go(clock: FakeClock) -> None:
    """Without declared policies, a second caller waits for the first response to learn from."""
    lim = RateLimiter("acme", "conn-1", clock=clock)
    first = req()
    await lim.acquire(first)
    second = asyncio.create_task(lim.acquire(req()))
    await asyncio.sleep(0)
    assert not second.done()
    await lim.observe(first, respond(first, 200))
    await asyncio.wait_for(second, 1)


async def test_a_declared_limit_is_not_relearned(clock: FakeClock) -> None:
    """An advertised limit equal to a declared policy adds no learned policy."""
    lim = RateLimiter("acme", "conn-1", [TokenBucket(100, per=10, burst=10)], clock=clock)
    await exchange(lim, X_RateLimit_Limit="100", X_RateLimit_Remaining="99", X_RateLimit_Reset="10")
    assert lim.learned == ()


async def test_explicit_windows_from_hubspot_headers_are_learned(clock: FakeClock) -> None:
    """HubSpot's interval header gives the window of its advertised limit."""
    lim = RateLimiter("hubspot", "conn-1", clock=clock)
    await exchange(
        lim,
        X_HubSpot_RateLimit_Max="100",
        X_HubSpot_RateLimit_Remaining="99",
        X_HubSpot_RateLimit_Interval_Milliseconds="10000",
    )
    assert Window(100, per=10.0) in lim.learned


async def test_a_spent_limit_waits_until_its_reset(clock: FakeClock) -> None:
    """Remaining 0 with a reset in 30 s makes the next request wait 30 s."""
    lim = RateLimiter("acme", "conn-1", clock=clock)
    await exchange(lim, X_RateLimit_Limit="100", X_RateLimit_Remaining="0", X_RateLimit_Reset="30")
    await lim.acquire(req())
    assert clock.sleeps == [pytest.approx(30)]


async def test_a_spent_long_budget_raises_instead_of_waiting(clock: FakeClock) -> None:
    """A spent hourly budget resetting in 50 minutes raises BudgetExhaustedError at once."""
    lim = RateLimiter("acme", "conn-1", clock=clock)
    reset = str(int(clock.time()) + 3000)
    await exchange(
        lim, X_RateLimit_Limit="5000", X_RateLimit_Remaining="0", X_RateLimit_Reset=reset
    )
    with pytest.raises(BudgetExhaustedError) as caught:
        await lim.acquire(req())
    assert caught.value.resets_at == pytest.approx(float(reset))


async def test_a_429_pauses_the_whole_partition(clock: FakeClock) -> None:
    """After a 429 with Retry-After 7, every request of that credential waits 7 s; others do not."""
    store = InMemoryStore(clock=clock)
    policies = [TokenBucket(100, burst=100)]
    worker_a = RateLimiter("acme", "conn-1", policies, store=store, clock=clock)
    worker_b = RateLimiter("acme", "conn-1", policies, store=store, clock=clock)
    other = RateLimiter("acme", "conn-2", policies, store=store, clock=clock)
    await exchange(worker_a, 429, Retry_After="7")
    await other.acquire(req())
    assert clock.sleeps == []
    await worker_b.acquire(req("another-endpoint"))
    assert clock.sleeps == [pytest.approx(7)]


async def test_a_429_honours_an_http_date(clock: FakeClock) -> None:
    """Retry-After as an HTTP-date pauses until that date."""
    lim = RateLimiter("acme", "conn-1", [TokenBucket(100, burst=100)], clock=clock)
    await exchange(lim, 429, Retry_After=formatdate(clock.time() + 20, usegmt=True))
    await lim.acquire(req())
    assert clock.sleeps == [pytest.approx(20)]


async def test_a_bare_429_backs_off_exponentially_until_a_success(clock: FakeClock) -> None:
    """429s without advice pause 1, 2, then 4 s; a success resets the backoff."""
    lim = RateLimiter("acme", "conn-1", [TokenBucket(100, burst=100)], clock=clock)
    for _ in range(3):
        await exchange(lim, 429)
    await exchange(lim, 200)
    await exchange(lim, 429)
    await lim.acquire(req())
    assert clock.sleeps == [1, 2, 4, 1]


async def test_a_429_far_beyond_max_wait_raises(clock: FakeClock) -> None:
    """A vendor saying "come back in an hour" makes the next acquire raise, not sleep."""
    lim = RateLimiter("acme", "conn-1", [TokenBucket(100, burst=100)], clock=clock)
    await exchange(lim, 429, Retry_After="3600")
    with pytest.raises(BudgetExhaustedError) as caught:
        await lim.acquire(req())
    assert caught.value.resets_at == pytest.approx(clock.time() + 3600)


async def test_learning_can_be_turned_off(clock: FakeClock) -> None:
    """With learn=False headers teach nothing, but a 429 still pauses the partition."""
    lim = RateLimiter("acme", "conn-1", clock=clock, learn=False)
    await exchange(lim, X_RateLimit_Limit="2", X_RateLimit_Remaining="0", X_RateLimit_Reset="30")
    assert lim.learned == ()
    await lim.acquire(req())
    assert clock.sleeps == []
    await exchange(lim, 429, Retry_After="3")
    await lim.acquire(req())
    assert clock.sleeps == [pytest.approx(3)]


async def test_learned_limit_counts_what_the_vendor_already_counted(clock: FakeClock) -> None:
    """Learning 100 per 10 s with 95 left spends 5 of the burst of 10: 5 more go at once, not 10."""
    lim = RateLimiter("hubspot", "c1", clock=clock, jitter=0.0)
    await exchange(
        lim,
        X_HubSpot_RateLimit_Max="100",
        X_HubSpot_RateLimit_Remaining="95",
        X_HubSpot_RateLimit_Interval_Milliseconds="10000",
    )
    for _ in range(5):
        await lim.acquire(req())
    assert clock.monotonic() == 0
    await lim.acquire(req())
    assert clock.monotonic() > 0


async def test_a_two_second_reset_is_learned_as_a_two_second_window(clock: FakeClock) -> None:
    """Pipedrive's 40 per 2 s (reset: 2) is paced per 2 s, not stretched to a 10 s window."""
    lim = RateLimiter("pipedrive", "c1", clock=clock)
    await exchange(lim, X_RateLimit_Limit="40", X_RateLimit_Remaining="39", X_RateLimit_Reset="2")
    assert Window(40, per=2.0) in lim.learned


async def test_a_per_minute_window_is_waited_out_not_raised(clock: FakeClock) -> None:
    """A burst past 20 per minute waits just over a minute instead of raising BudgetExhausted."""
    lim = RateLimiter("slack", "c1", [Window(20, per=60)], clock=clock)
    for _ in range(21):
        await lim.acquire(req())
    assert 60 <= clock.monotonic() <= 61
