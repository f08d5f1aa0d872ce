"""Every header family a vendor uses to describe its limits, parsed into observations."""

from __future__ import annotations

import pytest

from interlink.ratelimit import (
    RateLimitObservation,
    parse_rate_limit_headers,
    parse_reset,
    parse_retry_after,
)

NOW = 1_700_000_000.0
Obs = RateLimitObservation

CASES: list[tuple[str, dict[str, str], tuple[RateLimitObservation, ...]]] = [
    ("retry-after seconds", {"Retry-After": "120"}, (Obs("retry-after", retry_after=120.0),)),
    (
        "retry-after http-date",
        {"Retry-After": "Tue, 14 Nov 2023 22:14:00 GMT"},  # NOW is 22:13:20 GMT
        (Obs("retry-after", retry_after=40.0),),
    ),
    (
        "x-ratelimit, reset as epoch",
        {
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": "1700000600",
        },
        (Obs("x-ratelimit", 5000, remaining=4999, reset_at=NOW + 600),),
    ),
    (
        "x-ratelimit, reset as seconds from now",
        {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "30"},
        (Obs("x-ratelimit", 100, remaining=0, reset_at=NOW + 30),),
    ),
    (
        "x-ratelimit, reset as epoch milliseconds",
        {"X-RateLimit-Limit": "10", "X-RateLimit-Reset": "1700000005000"},
        (Obs("x-ratelimit", 10, reset_at=NOW + 5),),
    ),
    (
        "x-rate-limit (zendesk)",
        {"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "699"},
        (Obs("x-rate-limit", None, remaining=699),),
    ),
    (
        "ietf trio with quota policies in the limit field",
        {
            "RateLimit-Limit": "10, 10;w=1, 50;w=60",
            "RateLimit-Remaining": "9",
            "RateLimit-Reset": "1",
        },
        (Obs("ratelimit", 10, remaining=9, reset_at=NOW + 1, window=1.0),),
    ),
    (
        "ietf trio with a separate policy field",
        {
            "RateLimit-Limit": "100",
            "RateLimit-Policy": "100;w=60",
            "RateLimit-Remaining": "50",
            "RateLimit-Reset": "30",
        },
        (Obs("ratelimit", 100, remaining=50, reset_at=NOW + 30, window=60.0),),
    ),
    (
        "ietf structured fields",
        {"RateLimit": '"default";r=50;t=30', "RateLimit-Policy": '"default";q=100;w=60'},
        (Obs("ratelimit:default", 100, remaining=50, reset_at=NOW + 30, window=60.0),),
    ),
    (
        "ietf structured fields, two policies",
        {
            "RateLimit": '"burst";r=5;t=1, "daily";r=900;t=3600',
            "RateLimit-Policy": '"burst";q=10;w=1, "daily";q=1000;w=86400',
        },
        (
            Obs("ratelimit:burst", 10, remaining=5, reset_at=NOW + 1, window=1.0),
            Obs("ratelimit:daily", 1000, remaining=900, reset_at=NOW + 3600, window=86400.0),
        ),
    ),
    (
        "shopify leaky bucket",
        {"X-Shopify-Shop-Api-Call-Limit": "32/40"},
        (Obs("shopify", 40, remaining=8),),
    ),
    (
        "salesforce daily api usage",
        {"Sforce-Limit-Info": "api-usage=25/5000"},
        (Obs("salesforce", 5000, remaining=4975, window=86400.0),),
    ),
    (
        "salesforce with a per-app usage first",
        {"Sforce-Limit-Info": "per-app-api-usage=17/250(appName=x), api-usage=25/5000"},
        (Obs("salesforce", 5000, remaining=4975, window=86400.0),),
    ),
    (
        "hubspot interval and daily",
        {
            "X-HubSpot-RateLimit-Max": "100",
            "X-HubSpot-RateLimit-Remaining": "97",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Daily": "250000",
            "X-HubSpot-RateLimit-Daily-Remaining": "249000",
        },
        (
            Obs("hubspot", 100, remaining=97, window=10.0),
            Obs("hubspot-daily", 250000, remaining=249000, window=86400.0),
        ),
    ),
    (
        "hubspot secondly",
        {"X-HubSpot-RateLimit-Secondly": "10", "X-HubSpot-RateLimit-Secondly-Remaining": "9"},
        (Obs("hubspot-secondly", 10, remaining=9, window=1.0),),
    ),
    ("no rate-limit headers", {"Content-Type": "application/json"}, ()),
]


@pytest.mark.parametrize(("headers", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_header_families_parse(headers: dict[str, str], expected: tuple[Obs, ...]) -> None:
    """Each vendor header family becomes the observations it describes."""
    assert parse_rate_limit_headers(headers, NOW) == expected


GARBAGE = [
    {"Retry-After": "soon"},
    {"Retry-After": "Mon, 99 Foo 2023 99:99:99 GMT"},
    {"X-RateLimit-Limit": "lots", "X-RateLimit-Remaining": "-", "X-RateLimit-Reset": "nan"},
    {"RateLimit": '"x;;;r=', "RateLimit-Policy": ",,,;"},
    {"RateLimit-Limit": ";w=;;,", "RateLimit-Reset": "inf"},
    {"X-Shopify-Shop-Api-Call-Limit": "1/0"},
    {"X-Shopify-Shop-Api-Call-Limit": "forty"},
    {"Sforce-Limit-Info": "api-usage=/"},
    {"X-HubSpot-RateLimit-Interval-Milliseconds": "zero"},
]


@pytest.mark.parametrize("headers", GARBAGE)
def test_unparseable_values_are_ignored(headers: dict[str, str]) -> None:
    """Malformed rate-limit headers teach nothing and never raise."""
    assert parse_rate_limit_headers(headers, NOW) == ()


@pytest.mark.parametrize(
    ("value", "reset_at"),
    [("1700000600", NOW + 600), ("600", NOW + 600), ("0", NOW), ("1700000600000", NOW + 600)],
)
def test_reset_tells_epochs_from_delays(value: str, reset_at: float) -> None:
    """A reset above ~1e9 is an epoch (or epoch ms above 1e12); smaller is seconds from now."""
    assert parse_reset(value, NOW) == reset_at


def test_retry_after_in_the_past_means_now() -> None:
    """An HTTP-date already passed advises no wait rather than a negative one."""
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", NOW) == 0.0
