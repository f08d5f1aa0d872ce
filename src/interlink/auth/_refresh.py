"""One renewal, led by one caller: the token request to yield, and what follows.

`TokenSession.checkout` hands a `Refresh` to the caller that must renew the
token; the flow yields `request`, passes the answer to `complete`, and wraps
both in `async with` so that, however the flow ends, the refresh lock is
released and the callers waiting on this renewal are woken.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

import structlog

from interlink._errors import RetryableError
from interlink.auth._lock import LockLease
from interlink.auth._token_response import read_token_response
from interlink.auth._tokens import TokenSet
from interlink.http._models import Request, Response

if TYPE_CHECKING:
    from interlink.auth._session import TokenSession

__all__ = ["Grant", "Refresh", "release_quietly", "settle"]

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


class Refresh:
    """A renewal this caller leads: send `request`, then `complete` with the answer.

    Its `async with` block also covers the pipeline closing the flow because
    the token request failed on the network.
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
        await release_quietly(self._lease)
        session._end(self._future, exc)


def _lifetime(tokens: TokenSet) -> float | None:
    return None if tokens.expires_at is None else tokens.expires_at - tokens.obtained_at


def _token_secrets(tokens: TokenSet | None) -> tuple[str, ...]:
    if tokens is None:
        return ()
    return tuple(s for s in (tokens.access_token, tokens.refresh_token) if s)


def settle(future: asyncio.Future[None], exc: BaseException | None) -> None:
    """Wake the waiters: with the leader's error, or to look again."""
    if future.done():
        return
    if isinstance(exc, Exception):
        future.set_exception(exc)
        future.exception()  # retrieved: the leader raises it itself
    else:
        future.set_result(None)


async def release_quietly(lease: LockLease | None) -> None:
    if lease is None:
        return
    try:
        await lease.release()
    except Exception as exc:  # the lease's TTL frees it anyway
        _log.warning("auth.refresh_lock_release_failed", error=type(exc).__name__)
