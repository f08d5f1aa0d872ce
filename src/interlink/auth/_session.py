"""The engine behind the OAuth2 flows: one cached token set, renewed once at a time.

`checkout` answers "which token do I send?". Usually the cached set; when it
is missing, expired, rejected by a 401 or past its proactive-refresh point,
one caller in the process leads the renewal and the others wait for it
(single flight) or, while the old token is still valid, keep using it. The
leader first looks in the shared store, then takes the refresh lock and looks
again, so a renewal done by another worker is reused rather than repeated.
Only then does it get a `Refresh` (see `_refresh`) to carry out.

A refresh token that rotated is handed to `Grant.persist` before the new
access token is used. Until that succeeds the new set stays `pending`, and
every later checkout retries persisting it rather than refreshing again with
a refresh token the provider has already revoked.
"""

from __future__ import annotations

import asyncio
import math

import structlog

from interlink._clock import Clock
from interlink.auth._lock import LockLease, RefreshLock
from interlink.auth._refresh import Grant, Refresh, release_quietly, settle
from interlink.auth._store import TokenStore
from interlink.auth._tokens import TokenSet, newest

__all__ = ["TokenSession"]

_log = structlog.get_logger("interlink.auth")


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
            if self._pending is not None or not await self._adopt_stored(rejected):
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
            await release_quietly(lease)
            self._end(future, exc)
            raise
        await release_quietly(lease)
        self._end(future, None)
        assert self._tokens is not None
        return self._tokens

    def _end(self, future: asyncio.Future[None], exc: BaseException | None) -> None:
        if self._inflight is future:
            self._inflight = None
        settle(future, exc)

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
