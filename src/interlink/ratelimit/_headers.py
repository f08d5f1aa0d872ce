"""What vendors say about their limits, read from response headers.

Pure functions, one per header family, each returning frozen
`RateLimitObservation`s. A value that does not parse is ignored: a vendor's
odd header never breaks a call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

__all__ = ["RateLimitObservation", "parse_rate_limit_headers", "parse_reset", "parse_retry_after"]

_EPOCH_FLOOR = 1e9  # ~2001-09-09: a larger reset is an epoch, a smaller one a delay
_EPOCH_MS_FLOOR = 1e12
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)")
_DELAY = re.compile(r"\s*\d+(?:\.\d+)?\s*")
_Headers = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RateLimitObservation:
    """One limit as a response described it. `name` tells limits of one response apart.

    `reset_at` is epoch seconds; `window` and `retry_after` are seconds.
    """

    name: str
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    window: float | None = None
    retry_after: float | None = None


def _number(value: str | None) -> float | None:
    if value is None or not (match := _NUMBER.match(value)):
        return None
    number = float(match.group(1))
    return number if math.isfinite(number) else None


def _count(value: str | None) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from `Retry-After`: delay-seconds or an HTTP-date."""
    if value is None:
        return None
    if _DELAY.fullmatch(value):
        return float(value)
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        return None
    return max(0.0, when.timestamp() - now)


def parse_reset(value: str | None, now: float) -> float | None:
    """Epoch seconds of a reset given as an epoch (s or ms) or as seconds from now."""
    number = _number(value)
    if number is None:
        return None
    if number > _EPOCH_MS_FLOOR:
        return number / 1000.0
    if number > _EPOCH_FLOOR:
        return number
    return now + number


def _observation(obs: RateLimitObservation) -> Iterator[RateLimitObservation]:
    if any(v is not None for v in (obs.limit, obs.remaining, obs.reset_at, obs.retry_after)):
        yield obs


def retry_after(h: _Headers, now: float) -> Iterator[RateLimitObservation]:
    """`Retry-After`: delay-seconds or an HTTP-date."""
    advised = parse_retry_after(h.get("retry-after"), now)
    yield from _observation(RateLimitObservation("retry-after", retry_after=advised))


def x_ratelimit(h: _Headers, now: float) -> Iterator[RateLimitObservation]:
    """`X-RateLimit-Limit/Remaining/Reset` (GitHub, many) and `X-Rate-Limit-*` (Zendesk)."""
    for prefix in ("x-ratelimit-", "x-rate-limit-"):
        observed = RateLimitObservation(
            prefix.rstrip("-"),
            _count(h.get(prefix + "limit")),
            remaining=_count(h.get(prefix + "remaining")),
            reset_at=parse_reset(h.get(prefix + "reset"), now),
        )
        yield from _observation(observed)


def ietf_fields(h: _Headers, now: float) -> Iterator[RateLimitObservation]:
    """draft-ietf-httpapi-ratelimit-headers: the older trio and the structured fields."""
    if "ratelimit" in h:
        quotas = dict(_members(h.get("ratelimit-policy", "")))
        for name, params in _members(h["ratelimit"]):
            policy = quotas.get(name, {})
            observed = RateLimitObservation(
                f"ratelimit:{name}",
                _count(policy.get("q")),
                remaining=_count(params.get("r")),
                reset_at=_plus(now, _number(params.get("t"))),
                window=_positive(_number(policy.get("w"))),
            )
            yield from _observation(observed)
        return
    limit = _count(h.get("ratelimit-limit"))
    window = None
    policies = [*_members(h.get("ratelimit-limit", "")), *_members(h.get("ratelimit-policy", ""))]
    for quota, params in policies:
        if "w" in params and (limit is None or _count(quota) == limit):
            limit, window = _count(quota), _positive(_number(params["w"]))
            break
    observed = RateLimitObservation(
        "ratelimit",
        limit,
        remaining=_count(h.get("ratelimit-remaining")),
        reset_at=parse_reset(h.get("ratelimit-reset"), now),
        window=window,
    )
    yield from _observation(observed)


def shopify(h: _Headers, now: float) -> Iterator[RateLimitObservation]:
    """`X-Shopify-Shop-Api-Call-Limit: 32/40`: 32 of a 40-request leaky bucket used."""
    used, size = _fraction(h.get("x-shopify-shop-api-call-limit"))
    if used is not None and size is not None:
        yield RateLimitObservation("shopify", size, remaining=max(0, size - used))


def salesforce(h: _Headers, now: float) -> Iterator[RateLimitObservation]:
    """`Sforce-Limit-Info: api-usage=25/5000`: the org's rolling 24-hour API budget."""
    match = re.search(r"(?:^|[\s,])api-usage=(\d+/\d+)", h.get("sforce-limit-info", ""))
    used, size = _fraction(match.group(1) if match else None)
    if used is not None and size is not None:
        left = max(0, size - used)
        yield RateLimitObservation("salesforce", size, remaining=left, window=86400.0)


def hubspot(h: _Headers, now: float) -> Iterator[RateLimitObservation]:
    """`X-HubSpot-RateLimit-*`: the burst interval, the per-second and the daily limits."""
    interval = _number(h.get("x-hubspot-ratelimit-interval-milliseconds"))
    families = (
        ("hubspot", "max", "remaining", interval / 1000.0 if interval else None),
        ("hubspot-secondly", "secondly", "secondly-remaining", 1.0),
        ("hubspot-daily", "daily", "daily-remaining", 86400.0),
    )
    for name, limit, remaining, window in families:
        observed = RateLimitObservation(
            name,
            _count(h.get(f"x-hubspot-ratelimit-{limit}")),
            remaining=_count(h.get(f"x-hubspot-ratelimit-{remaining}")),
            window=window,
        )
        yield from _observation(observed)


_FAMILIES: tuple[Callable[[_Headers, float], Iterator[RateLimitObservation]], ...] = (
    retry_after,
    x_ratelimit,
    ietf_fields,
    shopify,
    salesforce,
    hubspot,
)


# Every header some family reads: most responses carry none, and this check is
# on the hot path of every vendor call (it halves the limiter's cost there).
_NAMES = frozenset(
    {
        "retry-after",
        "ratelimit",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "ratelimit-policy",
        "x-shopify-shop-api-call-limit",
        "sforce-limit-info",
    }
)
_PREFIXES = ("x-ratelimit-", "x-rate-limit-", "x-hubspot-ratelimit-")


def parse_rate_limit_headers(headers: _Headers, now: float) -> tuple[RateLimitObservation, ...]:
    """Every limit `headers` describe, `now` being the epoch time of the response."""
    lowered: dict[str, str] = {}
    for key, value in headers.items():
        name = key.lower()
        if name in _NAMES or name.startswith(_PREFIXES):
            lowered[name] = value
    if not lowered:
        return ()
    found: list[RateLimitObservation] = []
    for family in _FAMILIES:
        try:
            found.extend(family(lowered, now))
        except (ValueError, TypeError, OverflowError, KeyError):
            continue  # a malformed header teaches nothing; it must not fail the call
    return tuple(found)


def _plus(now: float, seconds: float | None) -> float | None:
    return None if seconds is None else now + seconds


def _positive(number: float | None) -> float | None:
    return number if number is not None and number > 0 else None


def _fraction(value: str | None) -> tuple[int | None, int | None]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value or "")
    if not match or int(match.group(2)) <= 0:
        return None, None
    return int(match.group(1)), int(match.group(2))


_MEMBER = re.compile(
    r'\s*("(?:[^"\\]|\\.)*"|[^,;]*)'  # the item: a string, a token or a number
    r'((?:\s*;\s*[^,;=]+(?:=(?:"[^"]*"|[^,;]*))?)*)'  # its ;key=value parameters
    r"\s*(?:,|$)"
)
_PARAM = re.compile(r';\s*([^,;=\s]+)\s*(?:=\s*("[^"]*"|[^,;]*))?')


def _members(value: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Structured-field list members (RFC 8941), leniently: (item, {param: value})."""
    position = 0
    while position < len(value):
        match = _MEMBER.match(value, position)
        if match is None or match.end() == position:
            return
        position = match.end()
        item = match.group(1).strip().strip('"')
        params = {k.lower(): v.strip().strip('"') for k, v in _PARAM.findall(match.group(2))}
        if item or params:
            yield item, params
