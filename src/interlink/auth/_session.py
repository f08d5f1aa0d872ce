"""The engine behind the OAuth2 flows: one cached token set, renewed once at a time.

`checkout` answers "which token do I send?". Usually the cached set; when it
is missing, expired, rejected by a 401 or past its proactive-refresh point,
one caller in the process leads the renewal and the others wait for it
(single flight) or, while the old token is still valid, keep using it. The
leader first looks in the shared store, then takes the refresh lock and looks
again, so a renewal done by another worker is reused rather than repeated.
Only then does it get a `Refresh`: the token request to yield from the flow,
and `complete(response)` to turn the answer into the new set.

A refresh token that rotated is handed to `Grant.persist` before the new
access token is used. Until that succeeds the new set stays `pending`, and
every later checkout retries persisting it rather than refreshing again with
a refresh token the provider has already revoked.
"""

from __future__ import annotations

import asyncio
import math
from types import TracebackType
from typing import Protocol

import structlog

from interlink._clock import Clock
from interlink._errors import RetryableError
from interlink.auth._lock import LockLease, RefreshLock
from interlink.auth._store import TokenStore
from interlink.auth._token_response import read_token_response
from interlink.auth._tokens import TokenSet, newest
from interlink.http._models import Request, Response

__all__ = ["Grant", "Refresh", "TokenSession"]

_log = structlog.get_logger("interlink.auth")


class Grant(Protocol):
    """What differs between OAuth2 grants: the token request and what to keep."""

    name: str

    def token_request(self, current: TokenSet | None) -> Request: ...

    def merge(self, issued: TokenSet, current: TokenSet | None) -> TokenSet:
        """The set to keep from a fresh answer (e.g. carry over an unrotated refresh token)."""
        ...

    async def persist(self, tokens: TokenSet) -> None:
        """Durably save a set whose refresh token rotated; raising means: do not use it."""
        ...

    def secrets(self) -> tuple[str, ...]: ...


class TokenSession:
    """The token state of one auth object; shared state lives in `store` and `lock`."""

    __slots__ = (
        "_clock",
        "_grant",
        "_inflight",
        "_key",
        "_lock",
        "_pending",
        "_quiet_until",
        "_ratio",
        "_store",
        "_tokens",
    )

    def __init__(
        self,
        grant: Grant,
        *,
        key: str,
        store: TokenStore,
        lock: RefreshLock,
        clock: Clock,
        refresh_ratio: float,
        tokens: TokenSet | None = None,
    ) -> None:
        self._grant = grant
        self._key = key
        self._store = store
        self._lock = lock
        self._clock = clock
        self._ratio = refresh_ratio
        self._tokens = tokens
        self._pending: TokenSet | None = None
        self._inflight: asyncio.Future[None] | None = None
        self._quiet_until = -math.inf

    @property
    def tokens(self) -> TokenSet | None:
        """The set this process currently sends."""
        return self._tokens

    def _usable(self, tokens: TokenSet | None, now: float, rejected: str | None) -> bool:
        return tokens is not None and not tokens.expired(now) and tokens.access_token != rejected

    async def checkout(self, rejected: str | None = None) -> TokenSet | Refresh:
        """The set to send, or a `Refresh` this caller must carry out (as leader)."""
        while True:
            now = self._clock.time()
            tokens = self._tokens
            valid = self._usable(tokens, now, rejected)
            due = (
                tokens is not None
                and tokens.refresh_due(now, self._ratio)
                and now >= self._quiet_until
            )
            if tokens is not None and valid and not due and self._pending is None:
                return tokens
            if self._inflight is not None:
                if tokens is not None and valid:
                    return tokens  # someone renews it; this one is still good meanwhile
                await asyncio.shield(self._inflight)
                continue
            return await self._lead(rejected, blocking=not valid)

    async def _lead(self, rejected: str | None, *, blocking: bool) -> TokenSet | Refresh:
        future = asyncio.get_running_loop().create_future()
        self._inflight = future
        lease: LockLease | None = None
        try:
            if self._pending is None and await self._adopt_stored(rejected):
                lease = None
            else:
                # Not blocking only while ours is valid: a busy lock means another
                # worker is renewing it, and ours serves meanwhile.
                lease = await self._lock.acquire(self._key, blocking=blocking)
                if lease is not None and not await self._adopt_stored(rejected):
                    current = self._tokens
                    pending = self._pending
                    if pending is None or pending is not newest(pending, current):
                        return Refresh(self, future, lease, current, proactive=not blocking)
                    await self._accept(pending, current, lease)
        except BaseException as exc:
            await _release(lease)
            self._end(future, exc)
            raise
        await _release(lease)
        self._end(future, None)
        assert self._tokens is not None
        return self._tokens

    def _end(self, future: asyncio.Future[None], exc: BaseException | None) -> None:
        if self._inflight is future:
            self._inflight = None
        _settle(future, exc)

    async def _adopt_stored(self, rejected: str | None) -> bool:
        stored = await self._store.get(self._key)
        now = self._clock.time()
        best = newest(self._tokens, stored)
        if best is not self._tokens and best is not None:
            self._tokens = best
            self._quiet_until = -math.inf
            _log.info("auth.tokens_adopted", grant=self._grant.name, key=self._key)
        return self._usable(best, now, rejected) and not (
            best is not None and best.refresh_due(now, self._ratio)
        )

    async def _accept(self, tokens: TokenSet, current: TokenSet | None, lease: LockLease) -> None:
        rotated = tokens.refresh_token is not None and (
            current is None or tokens.refresh_token != current.refresh_token
        )
        if rotated:
            self._pending = tokens
            if not await lease.extend():
                _log.warning("auth.refresh_lock_lost", grant=self._grant.name, key=self._key)
            await self._grant.persist(tokens)
            self._pending = None
        await self._store.put(self._key, tokens)
        self._tokens = tokens
        self._quiet_until = -math.inf

    def quiet_proactive(self) -> None:
        """After a failed proactive refresh, keep the valid token a while before trying again."""
        now = self._clock.time()
        tokens = self._tokens
        left = (tokens.expires_at or now) - now if tokens is not None else 0.0
        self._quiet_until = now + max(1.0, left / 4)


class Refresh:
    """A renewal this caller leads: send `request`, then `complete` with the answer.

    Use it as an async context manager around the yield, so the lock is
    released and waiters are woken however the flow ends (including when the
    pipeline closes the flow because the token request failed on the network).
    """

    __slots__ = ("_future", "_lease", "_session", "current", "proactive", "request")

    def __init__(
        self,
        session: TokenSession,
        future: asyncio.Future[None],
        lease: LockLease,
        current: TokenSet | None,
        *,
        proactive: bool,
    ) -> None:
        self._session = session
        self._future = future
        self._lease = lease
        self.current = current
        self.proactive = proactive
        self.request = session._grant.token_request(current)

    async def complete(self, response: Response) -> TokenSet:
        """Read the token endpoint's answer; persist and publish the new set; return it."""
        session = self._session
        grant = session._grant
        known = (*grant.secrets(), *_token_secrets(self.current))
        issued = read_token_response(response, now=session._clock.time(), secrets=known)
        tokens = grant.merge(issued, self.current)
        await session._accept(tokens, self.current, self._lease)
        _log.info(
            "auth.token_refreshed",
            grant=grant.name,
            key=session._key,
            proactive=self.proactive,
            expires_in=_lifetime(tokens),
            rotated=tokens.refresh_token != (self.current and self.current.refresh_token),
        )
        return tokens

    def fall_back(self, error: RetryableError) -> TokenSet:
        """A proactive refresh failed transiently: keep sending the still-valid token."""
        session = self._session
        session.quiet_proactive()
        _log.warning(
            "auth.proactive_refresh_failed",
            grant=session._grant.name,
            key=session._key,
            error=type(error).__name__,
            upstream_status=error.upstream_status,
        )
        assert self.current is not None
        return self.current

    async def __aenter__(self) -> Refresh:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self._session
        if exc is not None and not isinstance(exc, Exception) and self.proactive:
            session.quiet_proactive()  # closed mid-refresh (network failure): don't retry at once
        await _release(self._lease)
        session._end(self._future, exc)


def _lifetime(tokens: TokenSet) -> float | None:
    return None if tokens.expires_at is None else tokens.expires_at - tokens.obtained_at


def _token_secrets(tokens: TokenSet | None) -> tuple[str, ...]:
    if tokens is None:
        return ()
    return tuple(s for s in (tokens.access_token, tokens.refresh_token) if s)


def _settle(future: asyncio.Future[None], exc: BaseException | None) -> None:
    """Wake the waiters: with the leader's error, or to look again."""
    if future.done():
        return
    if isinstance(exc, Exception):
        future.set_exception(exc)
        future.exception()  # retrieved: the leader raises it itself
    else:
        future.set_result(None)


async def _release(lease: LockLease | None) -> None:
    if lease is None:
        return
    try:
        await lease.release()
    except Exception as exc:  # the lease's TTL frees it anyway
        _log.warning("auth.refresh_lock_release_failed", error=type(exc).__name__)
