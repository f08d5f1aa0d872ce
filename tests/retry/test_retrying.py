"""retrying(): the stamina-style loop for callers outside the pipeline, on FakeClock."""

from __future__ import annotations

import random

import pytest

from interlink._clock import FakeClock
from interlink.errors import FatalError, RateLimitedError, ServerError, UpstreamError
from interlink.http import MockTransport, Request, Response, respond
from interlink.http._classify import classify
from interlink.retry import RetryPolicy, retrying

GET = Request.build("GET", "https://api.vendor.test/v1/tickets")


def flaky(statuses: list[int], headers: dict[str, str] | None = None) -> MockTransport:
    """A fake vendor answering with `statuses` in turn, then 200."""
    queue = list(statuses)

    def handler(request: Request) -> Response:
        status = queue.pop(0) if queue else 200
        return respond(request, status, json={"ok": status == 200}, headers=headers)

    return MockTransport(handler)


async def call(transport: MockTransport, request: Request) -> Response:
    """Send and raise the classified error, as a caller outside the pipeline would."""
    response = await transport.send(request)
    error = classify(response, provider="acme")
    if error is not None:
        raise error
    return response


async def run(
    policy: RetryPolicy, transport: MockTransport, clock: FakeClock, request: Request = GET
) -> Response:
    """Call the fake vendor inside the retrying loop and return the final response."""
    async for attempt in retrying(policy, request=request, clock=clock):
        with attempt:
            return await call(transport, request)
    raise AssertionError("retrying ended without a result or an error")


async def test_succeeds_after_transient_failures(clock: FakeClock) -> None:
    """Two 503s then a 200: three calls, and the two sleeps are the seeded jittered delays."""
    transport = flaky([503, 503])
    policy = RetryPolicy(rng=random.Random(11), base=1.0, cap=8.0)
    response = await run(policy, transport, clock)
    assert response.status == 200
    assert len(transport.requests) == 3
    oracle = random.Random(11)
    assert clock.sleeps == [oracle.uniform(0.0, 1.0), oracle.uniform(0.0, 2.0)]


async def test_gives_up_after_attempts_with_the_last_error(clock: FakeClock) -> None:
    """When attempts run out, the last vendor error is raised and no more calls are made."""
    transport = flaky([500, 502, 504, 503])
    with pytest.raises(ServerError) as caught:
        await run(RetryPolicy(attempts=3, rng=random.Random(0)), transport, clock)
    assert caught.value.upstream_status == 504
    assert len(transport.requests) == 3
    assert len(clock.sleeps) == 2


async def test_total_time_bounds_the_loop(clock: FakeClock) -> None:
    """A vendor that never recovers is abandoned within total_timeout of virtual time."""
    transport = flaky([503] * 1000)
    policy = RetryPolicy(attempts=1000, base=1.0, cap=5.0, total_timeout=30.0, rng=random.Random(3))
    with pytest.raises(ServerError):
        await run(policy, transport, clock)
    assert clock.monotonic() <= 30.0
    assert sum(clock.sleeps) == clock.monotonic()
    assert len(transport.requests) > 3


async def test_retry_after_is_slept(clock: FakeClock) -> None:
    """A 429 with Retry-After: 20 makes the loop sleep at least 20 seconds before the retry."""
    transport = flaky([429], headers={"Retry-After": "20"})
    await run(RetryPolicy(base=0.1, cap=0.2, rng=random.Random(0)), transport, clock)
    assert clock.sleeps == [20.0]


async def test_retry_after_beyond_budget_raises_without_sleeping(clock: FakeClock) -> None:
    """A Retry-After longer than the time budget raises the rate-limit error at once."""
    transport = flaky([429], headers={"Retry-After": "3600"})
    with pytest.raises(RateLimitedError) as caught:
        await run(RetryPolicy(total_timeout=60.0), transport, clock)
    assert caught.value.retry_after == 3600.0
    assert clock.sleeps == []


async def test_unsafe_post_is_sent_once(clock: FakeClock) -> None:
    """A POST without an idempotency key that hits a 503 is not sent again."""
    post = Request.build("POST", "https://api.vendor.test/v1/tickets", json={"subject": "hi"})
    transport = flaky([503])
    with pytest.raises(ServerError):
        await run(RetryPolicy(), transport, clock, request=post)
    assert len(transport.requests) == 1


async def test_keyed_post_is_retried(clock: FakeClock) -> None:
    """The same POST carrying an idempotency key is retried to success."""
    post = Request.build("POST", "https://api.vendor.test/v1/tickets", idempotency_key="create-1")
    transport = flaky([503])
    assert (
        await run(RetryPolicy(rng=random.Random(0)), transport, clock, request=post)
    ).status == 200
    assert len(transport.requests) == 2


async def test_non_retryable_error_raises_immediately(clock: FakeClock) -> None:
    """A 422 is raised from the first attempt, with no sleep."""
    with pytest.raises(FatalError):
        await run(RetryPolicy(), flaky([422]), clock)
    assert clock.sleeps == []


async def test_foreign_exceptions_propagate_untouched(clock: FakeClock) -> None:
    """A bug in the caller's block (not an UpstreamError) is never retried or swallowed."""
    calls = 0

    async def buggy() -> None:
        nonlocal calls
        async for attempt in retrying(RetryPolicy(), clock=clock):
            with attempt:
                calls += 1
                raise KeyError("bug")

    with pytest.raises(KeyError):
        await buggy()
    assert calls == 1


async def test_attempt_numbers_count_up(clock: FakeClock) -> None:
    """Each attempt knows its 1-based number, for logging."""
    seen: list[int] = []
    failures: list[UpstreamError] = [ServerError("a"), ServerError("b")]
    async for attempt in retrying(RetryPolicy(rng=random.Random(0)), clock=clock):
        with attempt:
            seen.append(attempt.number)
            if failures:
                raise failures.pop(0)
    assert seen == [1, 2, 3]
