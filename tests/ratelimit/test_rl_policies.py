"""Policy declarations: validation at construction and building from plain mappings."""

from __future__ import annotations

from typing import Any

import pytest

from interlink._errors import ConfigError
from interlink.ratelimit import (
    Budget,
    LeakyBucket,
    RateLimiter,
    TokenBucket,
    Window,
    parse_duration,
    policy_from_mapping,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("10s", 10.0), ("1m", 60.0), ("1h", 3600.0), ("1d", 86400.0), (5, 5.0)],
)
def test_durations_parse_to_seconds(text: object, seconds: float) -> None:
    """Spec durations like "10s" and "1d" become seconds."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10x", "-1s", "0s", "ten", True, None])
def test_bad_durations_are_rejected(text: object) -> None:
    """A duration that is not a positive number with a known unit is refused."""
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("mapping", "policy"),
    [
        ({"kind": "window", "limit": 100, "per": "10s"}, Window(100, 10.0)),
        (
            {"kind": "window", "limit": 5, "per": "1m", "endpoint": "search"},
            Window(5, 60.0, "search"),
        ),
        ({"kind": "token_bucket", "rate": 10, "burst": 20}, TokenBucket(10, 1.0, 20)),
        ({"kind": "leaky_bucket", "capacity": 40, "leak_rate": 2}, LeakyBucket(40, 2)),
        ({"kind": "budget", "limit": 250_000}, Budget(250_000)),
        (
            {"kind": "budget", "limit": 9, "per": "1h", "scope": "app"},
            Budget(9, 3600.0, per_app=True),
        ),
    ],
)
def test_policies_build_from_mappings(mapping: dict[str, Any], policy: object) -> None:
    """A connector spec's plain mapping becomes the same frozen policy as the Python form."""
    assert policy_from_mapping(mapping) == policy


@pytest.mark.parametrize(
    ("build", "where"),
    [
        (lambda: Window(0, 10), "window.limit"),
        (lambda: Window(10, 0), "window.per"),
        (lambda: Window(10, -1.0), "window.per"),
        (lambda: Window(10, 1, endpoint=""), "window.endpoint"),
        (lambda: TokenBucket(rate=0), "token_bucket.rate"),
        (lambda: TokenBucket(rate=5, burst=0), "token_bucket.burst"),
        (lambda: TokenBucket(rate=5, per=float("nan")), "token_bucket.per"),
        (lambda: LeakyBucket(40, leak_rate=0), "leaky_bucket.leak_rate"),
        (lambda: LeakyBucket(0, leak_rate=2), "leaky_bucket.capacity"),
        (lambda: Budget(0), "budget.limit"),
        (lambda: Budget(10, per=60, offset=60), "budget.offset"),
    ],
)
def test_bad_declarations_name_the_field(build: Any, where: str) -> None:
    """A non-positive limit, window, rate or burst fails at construction, naming the field."""
    with pytest.raises(ConfigError) as caught:
        build()
    assert caught.value.where == where


@pytest.mark.parametrize(
    ("mapping", "where"),
    [
        ({"kind": "sliding", "limit": 1, "per": "1s"}, "limits[0].kind"),
        ({"limit": 1, "per": "1s"}, "limits[0].kind"),
        ({"kind": "window", "limit": 1, "per": "10x"}, "limits[0].per"),
        ({"kind": "window", "limit": 0, "per": "1s"}, "limits[0].limit"),
        ({"kind": "window", "limt": 1, "per": "1s"}, "limits[0].limt"),
        ({"kind": "window", "per": "1s"}, "limits[0].limit"),
        ({"kind": "token_bucket", "rate": 5, "burst": 0}, "limits[0].burst"),
        ({"kind": "leaky_bucket", "capacity": 40, "leak_rate": -2}, "limits[0].leak_rate"),
        ({"kind": "budget", "limit": 10, "scope": "tenant"}, "limits[0].scope"),
    ],
)
def test_bad_mappings_name_the_key(mapping: dict[str, Any], where: str) -> None:
    """A bad spec mapping raises ConfigError naming its path and key."""
    with pytest.raises(ConfigError) as caught:
        policy_from_mapping(mapping, where="limits[0]")
    assert caught.value.where == where


def test_limiter_accepts_mappings_and_names_bad_ones_by_index() -> None:
    """RateLimiter takes spec mappings directly; a bad one is named by its position."""
    limiter = RateLimiter("hubspot", "conn-1", [{"kind": "window", "limit": 100, "per": "10s"}])
    assert limiter.policies == (Window(100, 10.0),)
    with pytest.raises(ConfigError) as caught:
        RateLimiter("hubspot", "conn-1", [Window(1, 1), {"kind": "bogus"}])
    assert caught.value.where == "ratelimit.policies[1].kind"
    with pytest.raises(ConfigError) as caught:
        RateLimiter("hubspot", "conn-1", [42])  # type: ignore[list-item]
    assert caught.value.where == "ratelimit.policies[0]"


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"provider": ""}, "ratelimit.provider"),
        ({"provider": "x", "max_wait": -1}, "ratelimit.max_wait"),
        ({"provider": "x", "jitter": -0.1}, "ratelimit.jitter"),
        ({"provider": "x", "backoff": 0}, "ratelimit.backoff"),
    ],
)
def test_bad_limiter_options_name_the_option(kwargs: dict[str, Any], where: str) -> None:
    """Negative waits or an empty provider are refused when the limiter is built."""
    with pytest.raises(ConfigError) as caught:
        RateLimiter(**kwargs)
    assert caught.value.where == where
