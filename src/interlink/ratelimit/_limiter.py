"""The rate limiter the pipeline calls: declared policies, learned limits, pauses."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from interlink._clock import Clock, SystemClock
from interlink._errors import BudgetExhaustedError, ConfigError
from interlink.http._models import Request, Response
from interlink.ratelimit._buckets import Bucket, RateLimitStore
from interlink.ratelimit._headers import RateLimitObservation, parse_rate_limit_headers
from interlink.ratelimit._learn import (
    LONG_WINDOW,
    exhausted_for,
    infer_window,
    learned_policies,
    told_to_wait,
)
from interlink.ratelimit._mapping import policy_from_mapping
from interlink.ratelimit._memory import InMemoryStore
from interlink.ratelimit._policy import Budget, LeakyBucket, Policy, TokenBucket, Window

__all__ = ["RateLimiter"]

_log = structlog.get_logger("interlink.ratelimit")
_POLICY_TYPES = (Window, TokenBucket, LeakyBucket, Budget)
_MAX_BACKOFF = 60.0


class RateLimiter:
    """Keeps one partition of a provider (by default one credential) under its limits.

    `acquire` waits, on the clock, until every applicable policy admits the
    request, consuming all of them at once; a wait longer than `max_wait` (by
    default the longest pacing window, at least 60 s, so only budgets raise)
    raises `BudgetExhaustedError` instead. `observe` learns from response
    headers: limits nobody declared become paced policies, a spent limit pauses
    the partition until its reset, and a 429 pauses the whole partition until
    the advised time (`Retry-After`, a reset, or an exponential `backoff`).

    `jitter` is how much earlier, relative to its predecessors, a request may
    reach the vendor than we admitted it (network and scheduling noise): it is
    taken out of burst allowances so that pacing exactly at a vendor's limit
    does not provoke 429s. Until the first response of a partition without
    declared policies, only one request goes out (`learn` mode): the limit is
    learned before the first burst.
    """

    def __init__(
        self,
        provider: str,
        partition: str | None = None,
        policies: Sequence[Policy | Mapping[str, Any]] = (),
        *,
        store: RateLimitStore | None = None,
        clock: Clock | None = None,
        max_wait: float | None = None,
        learn: bool = True,
        jitter: float = 0.02,
        backoff: float = 1.0,
        probe_timeout: float = 5.0,
        key_prefix: str = "interlink:ratelimit:",
    ) -> None:
        if not provider or not isinstance(provider, str):
            raise ConfigError("ratelimit.provider", f"must be a non-empty string, got {provider!r}")
        if max_wait is not None and not max_wait >= 0:
            raise ConfigError("ratelimit.max_wait", f"must be >= 0 seconds, got {max_wait!r}")
        if not jitter >= 0:
            raise ConfigError("ratelimit.jitter", f"must be >= 0 seconds, got {jitter!r}")
        for name, value in (("backoff", backoff), ("probe_timeout", probe_timeout)):
            if not value > 0:
                raise ConfigError(f"ratelimit.{name}", f"must be > 0 seconds, got {value!r}")
        self.provider = provider
        self.partition = partition or provider
        self.policies = tuple(
            _policy(p, f"ratelimit.policies[{i}]") for i, p in enumerate(policies)
        )
        self.max_wait = max_wait
        self.jitter = jitter
        self._clock = clock or SystemClock()
        self._store = store or InMemoryStore(clock=self._clock)
        self._learn = learn
        self._backoff = backoff
        self._probe_timeout = probe_timeout
        app_key = f"{key_prefix}{{{provider}}}"
        self._key = app_key if partition is None else f"{app_key}:{partition}"
        self._app_key = app_key
        self._pause_key = f"{self._key}:pause"
        self._learned: dict[str, tuple[Policy, ...]] = {}
        self._windows: dict[str, float] = {}
        self._compiled: dict[str | None, tuple[Bucket, ...]] = {}
        self._turns: dict[str | None, asyncio.Lock] = {}
        self._strikes = 0
        self._probing = False
        self._observed = asyncio.Event()
        if not learn or self.policies:
            self._observed.set()

    @property
    def learned(self) -> tuple[Policy, ...]:
        """The policies adopted from response headers so far."""
        return tuple(p for group in self._learned.values() for p in group)

    async def acquire(self, request: Request) -> None:
        if request.purpose == "auth":
            return  # token endpoints are outside the API's limits
        await self._wait_for_probe()
        endpoint = request.endpoint
        turn = self._turns.setdefault(endpoint, asyncio.Lock())
        # One waiter per endpoint asks the store at a time: waiters queue in
        # arrival order instead of stampeding the store when capacity returns.
        async with turn:
            while True:
                wait = await self._store.try_acquire(self._pause_key, self._buckets(endpoint))
                if wait <= 0:
                    return
                if wait > self._max_wait():
                    raise BudgetExhaustedError(
                        f"rate-limit budget spent for {wait:.0f}s (max_wait {self._max_wait():g}s)",
                        resets_at=self._clock.time() + wait,
                        retry_after=wait,
                        provider=self.provider,
                        request=request,
                    )
                await self._clock.sleep(wait)

    async def observe(self, request: Request, response: Response) -> None:
        if request.purpose == "auth":
            return
        now = self._clock.time()
        observations = parse_rate_limit_headers(response.headers, now)
        pause = 0.0
        if self._learn and observations:
            for policies, used in self._adopt(observations, now):
                await self._seed(policies, used)
            pause = exhausted_for(observations, now)
        if response.status == 429:
            advised = told_to_wait(observations, now)
            self._strikes += 1
            if advised is None:
                advised = min(_MAX_BACKOFF, self._backoff * 2 ** (self._strikes - 1))
            pause = max(pause, advised)
            _log.info("ratelimit.paused", provider=self.provider, seconds=round(pause, 3))
        else:
            self._strikes = 0
        self._observed.set()
        if pause > 0:
            await self._store.pause(self._pause_key, pause)

    async def aclose(self) -> None:
        """Close the store (a shared store should be closed by its owner instead)."""
        await self._store.aclose()

    async def _wait_for_probe(self) -> None:
        if self._observed.is_set():
            return
        if not self._probing:
            self._probing = True
            return
        try:
            await asyncio.wait_for(self._observed.wait(), self._probe_timeout)
        except builtins.TimeoutError:
            self._observed.set()  # the probe never came back: stop holding everyone

    def _buckets(self, endpoint: str | None) -> tuple[Bucket, ...]:
        buckets = self._compiled.get(endpoint)
        if buckets is None:
            found: list[Bucket] = []
            for policy in self.policies:
                if policy.endpoint is None or policy.endpoint == endpoint:
                    base = self._app_key if policy.per_app else self._key
                    found.extend(policy.buckets(f"{base}:{policy.name}", self.jitter))
            for policy in self.learned:
                found.extend(policy.buckets(f"{self._key}:learned:{policy.name}", self.jitter))
            buckets = self._compiled[endpoint] = tuple(found)
        return buckets

    def _adopt(
        self, observations: Sequence[RateLimitObservation], now: float
    ) -> list[tuple[tuple[Policy, ...], int]]:
        """Adopt limits the headers advertise; return each new one with the units already used."""
        adopted_now: list[tuple[tuple[Policy, ...], int]] = []
        for obs in observations:
            if obs.limit is None:
                continue
            window = infer_window(obs, now)
            if window is None:
                continue
            window = max(window, self._windows.get(obs.name, window))
            self._windows[obs.name] = window
            declared = self._declared(obs.limit, window)
            adopted = () if declared else learned_policies(obs.limit, window)
            if self._learned.get(obs.name, ()) != adopted:
                self._learned[obs.name] = adopted
                self._compiled.clear()
                if obs.remaining is not None and adopted:
                    adopted_now.append((adopted, max(0, obs.limit - obs.remaining)))
                _log.info(
                    "ratelimit.learned",
                    provider=self.provider,
                    source=obs.name,
                    limit=obs.limit,
                    window=window,
                )
        return adopted_now

    def _max_wait(self) -> float:
        # By default a pacing window is waited out, however long: a burst against 20 per
        # minute waits just over a minute. Budgets, and windows as long as one (an hour
        # or more, e.g. Salesforce's rolling day), raise instead of waiting for hours.
        if self.max_wait is not None:
            return self.max_wait
        windows = [
            p.quota[1]
            for p in (*self.policies, *self.learned)
            if not isinstance(p, Budget) and p.quota[1] < LONG_WINDOW
        ]
        return max(60.0, max(windows, default=0.0) + self.jitter + 1e-6)

    async def _seed(self, policies: tuple[Policy, ...], used: int) -> None:
        # Requests sent before the limit was known (the probe, or another
        # client's) already count at the vendor: count them here too, or the
        # first window overshoots by exactly that many. Best effort: stop
        # once a bucket refuses, from then on pacing is already in force.
        buckets = [
            bucket
            for policy in policies
            for bucket in policy.buckets(f"{self._key}:learned:{policy.name}", self.jitter)
        ]
        for _ in range(used):
            if await self._store.try_acquire(f"{self._key}:seed", buckets) > 0:
                break

    def _declared(self, limit: int, window: float) -> bool:
        return any(
            p.endpoint is None and abs(p.quota[1] - window) < 1e-9 and p.quota[0] <= limit
            for p in self.policies
        )


def _policy(value: Policy | Mapping[str, Any], where: str) -> Policy:
    if isinstance(value, _POLICY_TYPES):
        return value
    if isinstance(value, Mapping):
        return policy_from_mapping(value, where=where)
    kind = type(value).__name__
    raise ConfigError(where, f"must be a rate-limit policy or a mapping, got {kind}")
