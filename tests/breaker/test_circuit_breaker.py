"""The breaker's state machine on FakeClock, run against the in-process and the Redis store."""

from __future__ import annotations

import pytest

from interlink._clock import FakeClock
from interlink.breaker import BreakerConfig, BreakerStore, CircuitBreaker, State, Transition
from interlink.errors import CircuitOpenError

CONFIG = BreakerConfig(failure_rate=0.5, min_calls=10, window=30.0, cooldown=30.0)


def make(
    store: BreakerStore,
    clock: FakeClock,
    seen: list[Transition] | None = None,
    config: BreakerConfig = CONFIG,
    connection: str = "conn_1",
) -> CircuitBreaker:
    """A breaker for hubspot/`connection` recording its transitions into `seen`."""
    return CircuitBreaker(
        "hubspot",
        connection,
        config=config,
        store=store,
        clock=clock,
        listener=None if seen is None else seen.append,
    )


async def outcomes(breaker: CircuitBreaker, successes: int, failures: int) -> None:
    """Run admitted calls: `successes` good ones then `failures` failed ones."""
    for ok in [True] * successes + [False] * failures:
        await breaker.before_call()
        await breaker.record(ok)


async def trip(breaker: CircuitBreaker) -> None:
    """Open the breaker with ten failures."""
    await outcomes(breaker, 0, 10)
    assert await breaker.state() is State.OPEN


def moves(seen: list[Transition]) -> list[tuple[str, str]]:
    """The transitions as (old, new) pairs."""
    return [(t.old.value, t.new.value) for t in seen]


async def test_too_few_calls_never_trip(store: BreakerStore, clock: FakeClock) -> None:
    """Nine failures out of nine stay closed while min_calls is ten."""
    breaker = make(store, clock)
    await outcomes(breaker, 0, 9)
    assert await breaker.state() is State.CLOSED
    await breaker.before_call()


async def test_opens_at_the_failure_rate(store: BreakerStore, clock: FakeClock) -> None:
    """Five successes and five failures (50%) open it; the listener hears closed → open."""
    seen: list[Transition] = []
    breaker = make(store, clock, seen)
    await outcomes(breaker, 5, 5)
    assert await breaker.state() is State.OPEN
    assert moves(seen) == [("closed", "open")]
    assert seen[0].provider == "hubspot"
    assert seen[0].connection == "conn_1"
    assert seen[0].at == clock.time()


async def test_stays_closed_below_the_failure_rate(store: BreakerStore, clock: FakeClock) -> None:
    """Six successes and four failures (40%) keep it closed."""
    breaker = make(store, clock)
    await outcomes(breaker, 6, 4)
    assert await breaker.state() is State.CLOSED


async def test_open_fails_fast_with_time_until_half_open(
    store: BreakerStore, clock: FakeClock
) -> None:
    """While open, calls raise CircuitOpenError whose retry_after counts down the cooldown."""
    breaker = make(store, clock)
    await trip(breaker)
    with pytest.raises(CircuitOpenError) as first:
        await breaker.before_call()
    assert first.value.retry_after == 30.0
    assert first.value.provider == "hubspot"
    clock.advance(12.5)
    with pytest.raises(CircuitOpenError) as later:
        await breaker.before_call()
    assert later.value.retry_after == 17.5


async def test_half_open_admits_one_probe_then_closes_on_success(
    store: BreakerStore, clock: FakeClock
) -> None:
    """After the cooldown one probe goes through, others wait; its success closes the breaker."""
    seen: list[Transition] = []
    breaker = make(store, clock, seen)
    await trip(breaker)
    clock.advance(30.0)
    await breaker.before_call()
    assert await breaker.state() is State.HALF_OPEN
    with pytest.raises(CircuitOpenError):
        await breaker.before_call()
    await breaker.record(True)
    assert await breaker.state() is State.CLOSED
    assert moves(seen) == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


async def test_closing_starts_a_fresh_window(store: BreakerStore, clock: FakeClock) -> None:
    """The failures that opened the breaker do not count once a probe closed it."""
    breaker = make(store, clock)
    await trip(breaker)
    clock.advance(30.0)
    await breaker.before_call()
    await breaker.record(True)
    await outcomes(breaker, 0, 9)
    assert await breaker.state() is State.CLOSED


async def test_probe_failure_reopens_for_a_full_cooldown(
    store: BreakerStore, clock: FakeClock
) -> None:
    """A failed probe reopens the breaker, counting the cooldown from the probe's failure."""
    seen: list[Transition] = []
    breaker = make(store, clock, seen)
    await trip(breaker)
    clock.advance(31.0)
    await breaker.before_call()
    clock.advance(2.0)
    await breaker.record(False)
    assert await breaker.state() is State.OPEN
    with pytest.raises(CircuitOpenError) as caught:
        await breaker.before_call()
    assert caught.value.retry_after == 30.0
    assert moves(seen)[-1] == ("half_open", "open")


async def test_half_open_probe_count_is_bounded(store: BreakerStore, clock: FakeClock) -> None:
    """With half_open_probes=3 exactly three calls pass while half-open."""
    breaker = make(store, clock, config=BreakerConfig(half_open_probes=3, cooldown=10.0))
    await trip(breaker)
    clock.advance(10.0)
    for _ in range(3):
        await breaker.before_call()
    with pytest.raises(CircuitOpenError):
        await breaker.before_call()


async def test_silent_probe_is_replaced_after_a_cooldown(
    store: BreakerStore, clock: FakeClock
) -> None:
    """A probe that never reports (cancelled task) does not wedge the breaker half-open."""
    breaker = make(store, clock)
    await trip(breaker)
    clock.advance(30.0)
    await breaker.before_call()  # the probe, never recorded
    clock.advance(10.0)
    with pytest.raises(CircuitOpenError) as caught:
        await breaker.before_call()
    assert caught.value.retry_after == 20.0
    clock.advance(20.0)
    await breaker.before_call()  # a fresh probe
    await breaker.record(True)
    assert await breaker.state() is State.CLOSED


async def test_failures_slide_out_of_the_window(store: BreakerStore, clock: FakeClock) -> None:
    """Failures older than the window no longer count towards the rate."""
    breaker = make(store, clock)
    await outcomes(breaker, 0, 9)
    clock.advance(31.0)
    await outcomes(breaker, 0, 9)
    assert await breaker.state() is State.CLOSED


async def test_failures_within_the_window_add_up(store: BreakerStore, clock: FakeClock) -> None:
    """Five failures now and five twenty seconds later are ten failures in one window."""
    breaker = make(store, clock)
    await outcomes(breaker, 0, 5)
    clock.advance(20.0)
    await outcomes(breaker, 0, 4)
    assert await breaker.state() is State.CLOSED
    await outcomes(breaker, 0, 1)
    assert await breaker.state() is State.OPEN


async def test_late_outcomes_while_open_are_ignored(store: BreakerStore, clock: FakeClock) -> None:
    """Successes of calls admitted before the breaker opened do not close it."""
    breaker = make(store, clock)
    await trip(breaker)
    for _ in range(20):
        await breaker.record(True)
    assert await breaker.state() is State.OPEN


async def test_connections_have_separate_breakers(store: BreakerStore, clock: FakeClock) -> None:
    """One customer's broken connection does not open the breaker of another's."""
    await trip(make(store, clock, connection="conn_bad"))
    await make(store, clock, connection="conn_good").before_call()


async def test_wall_clock_stepping_back_bounds_the_wait(
    store: BreakerStore, clock: FakeClock
) -> None:
    """A worker whose clock is an hour behind waits at most one cooldown, not an hour more."""
    await trip(make(store, clock))
    behind = FakeClock(start=clock.time() - 3600.0)
    with pytest.raises(CircuitOpenError) as caught:
        await make(store, behind).before_call()
    assert caught.value.retry_after == 30.0


async def test_broken_listener_does_not_break_the_call(
    store: BreakerStore, clock: FakeClock
) -> None:
    """A listener that raises is logged; the breaker still opens and fails fast."""

    def explode(transition: Transition) -> None:
        raise RuntimeError("metrics down")

    breaker = CircuitBreaker(
        "hubspot", "c", config=CONFIG, store=store, clock=clock, listener=explode
    )
    await outcomes(breaker, 0, 10)
    with pytest.raises(CircuitOpenError):
        await breaker.before_call()


async def test_circuit_open_renders_as_problem_with_retry_after(
    store: BreakerStore, clock: FakeClock
) -> None:
    """The fail-fast error is a retryable problem carrying the seconds until the next probe."""
    breaker = make(store, clock)
    await trip(breaker)
    clock.advance(5.0)
    with pytest.raises(CircuitOpenError) as caught:
        await breaker.before_call()
    problem = caught.value.to_problem()
    assert problem["type"].endswith("/circuit-open")
    assert (problem["retryable"], problem["retry_after"], problem["provider"]) == (
        True,
        25.0,
        "hubspot",
    )
    assert "conn_1" in problem["detail"]
