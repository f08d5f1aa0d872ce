"""RetryPolicy: exact jittered delays, Retry-After floors, bounds, and what is safe to retry."""

from __future__ import annotations

import random
from typing import Any

import pytest

from interlink.errors import (
    BudgetExhaustedError,
    CircuitOpenError,
    ConfigError,
    ConnectError,
    MalformedResponseError,
    RateLimitedError,
    ServerError,
    TimeoutError,
    UpstreamError,
)
from interlink.http import Request, respond
from interlink.http._classify import classify
from interlink.retry import RetryPolicy

GET = Request.build("GET", "https://api.vendor.test/v1/deals")
POST = Request.build("POST", "https://api.vendor.test/v1/deals", json={"name": "x"})


def policy(seed: int = 7, **overrides: Any) -> RetryPolicy:
    """A policy with a seeded jitter source."""
    return RetryPolicy(rng=random.Random(seed), **overrides)


def status_error(status: int, request: Request = GET, **headers: str) -> UpstreamError:
    """The error the classifier makes of a bare response with `status`."""
    error = classify(respond(request, status, headers=headers), provider="acme")
    assert error is not None
    return error


def test_delays_are_full_jitter_exponential_and_exact_with_a_seed() -> None:
    """The n-th retry waits uniform(0, min(cap, base * 2**(n-1))) drawn from the given RNG."""
    retry = policy(seed=42, attempts=10, base=0.5, cap=4.0, total_timeout=None)
    oracle = random.Random(42)
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    expected = [oracle.uniform(0.0, c) for c in ceilings]
    error = status_error(503)
    delays = [retry.next_delay(error, GET, attempt, 0.0) for attempt in range(1, 7)]
    assert delays == expected
    assert all(0.0 <= d <= c for d, c in zip(delays, ceilings, strict=True))  # type: ignore[operator]


def test_same_seed_same_delays_different_seed_different_delays() -> None:
    """Jitter is really random across seeds yet repeatable for one seed."""
    error = status_error(500)
    first = [policy(seed=1).next_delay(error, GET, 1, 0.0) for _ in range(2)]
    assert first[0] == first[1]
    assert policy(seed=1).next_delay(error, GET, 3, 0.0) != policy(seed=2).next_delay(
        error, GET, 3, 0.0
    )


def test_huge_attempt_numbers_do_not_overflow() -> None:
    """A policy with thousands of attempts keeps its delays under the cap."""
    delay = policy(attempts=5000, cap=2.0, total_timeout=None).next_delay(
        status_error(503), GET, 4000, 0.0
    )
    assert delay is not None
    assert 0.0 <= delay <= 2.0


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(status: int) -> None:
    """408, 429 and 5xx get a delay on an idempotent request."""
    assert policy().next_delay(status_error(status), GET, 1, 0.0) is not None


@pytest.mark.parametrize("error_type", [ConnectError, TimeoutError, MalformedResponseError])
def test_network_errors_timeouts_and_malformed_bodies_are_retried(
    error_type: type[UpstreamError],
) -> None:
    """No usable response, or a broken body, is worth another try."""
    assert policy().next_delay(error_type("boom", request=GET), GET, 1, 0.0) is not None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    """400, 401, 403, 404, 409, 410 and 422 give up at once."""
    assert policy().next_delay(status_error(status), GET, 1, 0.0) is None


def test_retry_after_is_a_floor() -> None:
    """A vendor's Retry-After beats a shorter backoff, exactly."""
    error = status_error(429, **{"Retry-After": "10"})
    assert policy(base=0.5, cap=1.0).next_delay(error, GET, 1, 0.0) == 10.0


def test_backoff_above_retry_after_is_kept() -> None:
    """A floor never shortens a longer backoff."""
    retry = policy(seed=3, base=100.0, cap=100.0, total_timeout=None)
    expected = random.Random(3).uniform(0.0, 100.0)
    error = RateLimitedError("slow down", retry_after=0.001)
    assert retry.next_delay(error, GET, 1, 0.0) == max(expected, 0.001)


def test_circuit_open_cooldown_is_a_floor() -> None:
    """An open breaker's retry_after is waited out before the next try."""
    error = CircuitOpenError("open", retry_after=7.5)
    assert policy(base=0.1, cap=0.2).next_delay(error, GET, 1, 0.0) == 7.5


def test_retry_after_beyond_the_budget_gives_up() -> None:
    """A Retry-After that does not fit in the remaining time raises now instead of sleeping."""
    retry = policy(total_timeout=60.0)
    error = RateLimitedError("slow down", retry_after=50.0)
    assert retry.next_delay(error, GET, 1, 5.0) == 50.0
    assert retry.next_delay(error, GET, 1, 15.0) is None


def test_total_time_bound() -> None:
    """A delay is granted only when it ends within total_timeout of the first try."""
    error = status_error(503)
    delay = random.Random(5).uniform(0.0, 10.0)
    fits = policy(seed=5, base=10.0, cap=10.0, total_timeout=30.0)
    assert fits.next_delay(error, GET, 1, 30.0 - delay) == delay
    too_late = policy(seed=5, base=10.0, cap=10.0, total_timeout=30.0)
    assert too_late.next_delay(error, GET, 1, 30.0 - delay / 2) is None
    # A positive floor at the budget's edge no longer fits.
    assert fits.next_delay(CircuitOpenError("open", retry_after=1.0), GET, 1, 29.5) is None


def test_attempts_bound() -> None:
    """With attempts=3, the third failure is final."""
    retry = policy(attempts=3)
    error = status_error(502)
    assert retry.next_delay(error, GET, 2, 0.0) is not None
    assert retry.next_delay(error, GET, 3, 0.0) is None
    assert policy(attempts=1).next_delay(error, GET, 1, 0.0) is None


def test_budget_exhausted_is_never_retried() -> None:
    """A spent daily budget stops the call even with time to spare."""
    error = BudgetExhaustedError("daily cap", resets_at=1.0, retry_after=1.0)
    assert policy(total_timeout=None).next_delay(error, GET, 1, 0.0) is None


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"])
def test_idempotent_methods_are_retried(method: str) -> None:
    """Methods that are idempotent by definition are retried after a 503."""
    request = Request.build(method, "https://api.vendor.test/v1/deals/1")
    assert policy().next_delay(status_error(503, request), request, 1, 0.0) is not None


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize(
    "error_type", [ServerError, TimeoutError, ConnectError, MalformedResponseError]
)
def test_unsafe_methods_are_not_retried(method: str, error_type: type[UpstreamError]) -> None:
    """A POST or PATCH without an idempotency key may have taken effect: never repeated."""
    request = Request.build(method, "https://api.vendor.test/v1/deals", json={"a": 1})
    assert policy().next_delay(error_type("boom", request=request), request, 1, 0.0) is None


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_unsafe_methods_with_an_idempotency_key_are_retried(method: str) -> None:
    """An idempotency key makes a POST or PATCH safe to repeat."""
    request = Request.build(method, "https://api.vendor.test/v1/deals", idempotency_key="k-1")
    assert policy().next_delay(status_error(503, request), request, 1, 0.0) is not None


@pytest.mark.parametrize(
    "error",
    [RateLimitedError("429", retry_after=2.0), CircuitOpenError("open", retry_after=2.0)],
)
def test_unsafe_methods_are_retried_when_never_processed(error: UpstreamError) -> None:
    """A 429 or an open circuit proves the POST did nothing, so it may be sent again."""
    assert policy().next_delay(error, POST, 1, 0.0) == 2.0


def test_none_request_means_caller_vouches_for_safety() -> None:
    """Without a request the policy decides on the error alone."""
    assert policy().next_delay(ServerError("boom"), None, 1, 0.0) is not None


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"attempts": 0}, "attempts"),
        ({"attempts": 2.5}, "attempts"),
        ({"attempts": True}, "attempts"),
        ({"base": -0.1}, "base"),
        ({"base": float("nan")}, "base"),
        ({"base": 2.0, "cap": 1.0}, "cap"),
        ({"cap": "30"}, "cap"),
        ({"total_timeout": 0}, "total_timeout"),
        ({"total_timeout": -5}, "total_timeout"),
    ],
)
def test_bad_policy_names_the_field(fields: dict[str, Any], where: str) -> None:
    """Bad declarations fail at construction, naming the field; from_dict prefixes the section."""
    with pytest.raises(ConfigError) as direct:
        RetryPolicy(**fields)
    assert direct.value.where == where
    with pytest.raises(ConfigError) as declared:
        RetryPolicy.from_dict(fields, where="providers.hubspot.retry")
    assert declared.value.where == f"providers.hubspot.retry.{where}"


def test_from_dict_rejects_unknown_keys() -> None:
    """A misspelt key is named rather than ignored."""
    with pytest.raises(ConfigError) as caught:
        RetryPolicy.from_dict({"max_attempts": 3})
    assert caught.value.where == "retry.max_attempts"


def test_from_dict_builds_the_declared_policy() -> None:
    """YAML numbers (ints included) become the same policy as the Python form."""
    built = RetryPolicy.from_dict({"attempts": 4, "base": 1, "cap": 20, "total_timeout": None})
    assert built == RetryPolicy(attempts=4, base=1.0, cap=20.0, total_timeout=None)
