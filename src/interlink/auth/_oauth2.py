"""OAuth2 as auth flows: client credentials, and refresh tokens from an authorization code.

Both flows send `Authorization: Bearer <access token>`, renew the token
through a `TokenSession` (cache, single flight, proactive refresh at
`refresh_ratio` of its lifetime, shared store and refresh lock), and answer a
401 with exactly one forced renewal and one retry. After the retry the flow
ends: a second 401 is the pipeline's to report as an `AuthError`.

Pass the same `store` and `lock` (Redis ones across processes) to every auth
object of the same client or grant so they renew it once between them.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import replace

import structlog

from interlink._clock import Clock, SystemClock
from interlink._errors import ConfigError, ReauthorizationRequired, RetryableError
from interlink.auth._client import OAuth2Client
from interlink.auth._lock import LocalLock, RefreshLock
from interlink.auth._refresh import Refresh
from interlink.auth._session import TokenSession
from interlink.auth._static import check_header_name, check_prefix
from interlink.auth._store import InMemoryTokenStore, TokenStore
from interlink.auth._tokens import TokenSet
from interlink.http._models import Request, Response

__all__ = ["ClientCredentialsAuth", "RefreshTokenAuth", "TokensRotated"]

TokensRotated = Callable[[TokenSet], Awaitable[None]]
"""Called with the new token set when the refresh token rotated, before it is used."""

_log = structlog.get_logger("interlink.auth")


class _OAuth2Flow:
    """The flow both grants share; subclasses only build their `TokenSession`."""

    __slots__ = ("_header", "_prefix", "_session", "client")

    client: OAuth2Client
    _session: TokenSession
    _header: str
    _prefix: str

    def _configure(
        self, client: OAuth2Client, refresh_ratio: float, header: str, prefix: str
    ) -> None:
        if not isinstance(client, OAuth2Client):
            raise ConfigError("oauth2.client", "must be an OAuth2Client")
        if isinstance(refresh_ratio, bool) or not (
            isinstance(refresh_ratio, int | float) and 0 < refresh_ratio <= 1
        ):
            raise ConfigError("oauth2.refresh_ratio", f"must be in (0, 1], got {refresh_ratio!r}")
        check_header_name("oauth2.header", header)
        check_prefix("oauth2.prefix", prefix)
        self.client = client
        self._header = header
        self._prefix = prefix

    @property
    def tokens(self) -> TokenSet | None:
        """The token set currently in use (its secrets never show in its repr)."""
        return self._session.tokens

    async def auth_flow(self, request: Request) -> AsyncGenerator[Request, Response]:
        rejected: str | None = None
        for attempt in (1, 2):
            outcome = await self._session.checkout(rejected)
            if isinstance(outcome, Refresh):
                async with outcome:
                    try:
                        tokens = await outcome.complete((yield outcome.request))
                    except RetryableError as exc:
                        if not outcome.proactive:
                            raise
                        tokens = outcome.fall_back(exc)
            else:
                tokens = outcome
            response = yield request.with_headers(
                {self._header: f"{self._prefix} {tokens.access_token}"},
                sensitive=self._header,
            )
            if response.status != 401 or attempt == 2:
                return
            rejected = tokens.access_token

    def __repr__(self) -> str:
        client = self.client
        return (
            f"<{type(self).__name__} client_id={client.client_id!r} "
            f"token_url={client.token_url!r} auth={client.client_auth}>"
        )


class ClientCredentialsAuth(_OAuth2Flow):
    """OAuth2 client credentials (RFC 6749 §4.4): the application acts as itself.

    ```python
    auth = ClientCredentialsAuth(
        OAuth2Client("https://id.example.com/oauth/token", "my-id", secret,
                     scopes=("read",), extra_params={"audience": "https://api.example.com"}),
    )
    ```

    The token is cached under `key` (by default a hash of the token URL,
    client id, scopes and extra parameters, so identical clients share it).
    """

    __slots__ = ()

    def __init__(
        self,
        client: OAuth2Client,
        *,
        refresh_ratio: float = 0.8,
        store: TokenStore | None = None,
        lock: RefreshLock | None = None,
        key: str | None = None,
        clock: Clock | None = None,
        header: str = "Authorization",
        prefix: str = "Bearer",
    ) -> None:
        self._configure(client, refresh_ratio, header, prefix)
        if client.client_auth == "none":
            raise ConfigError("oauth2.client_auth", "client credentials need a client secret")
        clock = clock or SystemClock()
        self._session = TokenSession(
            _ClientCredentialsGrant(client),
            key=key or f"cc:{client.identity}",
            store=store if store is not None else InMemoryTokenStore(),
            lock=lock if lock is not None else LocalLock(clock=clock),
            clock=clock,
            refresh_ratio=refresh_ratio,
        )


class RefreshTokenAuth(_OAuth2Flow):
    """An access token renewed with a refresh token (RFC 6749 §6).

    `tokens` is the set the authorization-code flow produced (or
    `TokenSet.from_refresh_token(rt)`). When the provider rotates the refresh
    token, `on_tokens_rotated(new_set)` must persist it durably: it runs
    before the new access token is used, and if it raises the new token is
    not used and the error propagates. `key` names the grant (e.g. the
    connection id) and is required with a shared `store`.
    """

    __slots__ = ()

    def __init__(
        self,
        client: OAuth2Client,
        tokens: TokenSet,
        *,
        on_tokens_rotated: TokensRotated | None = None,
        refresh_ratio: float = 0.8,
        store: TokenStore | None = None,
        lock: RefreshLock | None = None,
        key: str | None = None,
        clock: Clock | None = None,
        header: str = "Authorization",
        prefix: str = "Bearer",
    ) -> None:
        self._configure(client, refresh_ratio, header, prefix)
        if not isinstance(tokens, TokenSet) or not tokens.refresh_token:
            raise ConfigError("oauth2.tokens.refresh_token", "is required to refresh")
        if (store is not None or lock is not None) and not key:
            raise ConfigError(
                "oauth2.key", "is required with a shared store or lock: name the grant"
            )
        clock = clock or SystemClock()
        self._session = TokenSession(
            _RefreshTokenGrant(client, on_tokens_rotated),
            key=key or f"rt:{client.identity}",
            store=store if store is not None else InMemoryTokenStore(),
            lock=lock if lock is not None else LocalLock(clock=clock),
            clock=clock,
            refresh_ratio=refresh_ratio,
            tokens=tokens,
        )


class _ClientCredentialsGrant:
    __slots__ = ("_client",)
    name = "client_credentials"

    def __init__(self, client: OAuth2Client) -> None:
        self._client = client

    def token_request(self, current: TokenSet | None) -> Request:
        return self._client.token_request({"grant_type": "client_credentials"})

    def merge(self, issued: TokenSet, current: TokenSet | None) -> TokenSet:
        # A refresh token makes no sense here; keeping one would pin the set in stores.
        return replace(issued, refresh_token=None) if issued.refresh_token else issued

    async def persist(self, tokens: TokenSet) -> None:
        return None

    def secrets(self) -> tuple[str, ...]:
        return self._client.secrets()


class _RefreshTokenGrant:
    __slots__ = ("_client", "_on_rotated")
    name = "refresh_token"

    def __init__(self, client: OAuth2Client, on_rotated: TokensRotated | None) -> None:
        self._client = client
        self._on_rotated = on_rotated

    def token_request(self, current: TokenSet | None) -> Request:
        if current is None or not current.refresh_token:
            raise ReauthorizationRequired("no refresh token to renew the access token with")
        return self._client.token_request(
            {"grant_type": "refresh_token", "refresh_token": current.refresh_token}
        )

    def merge(self, issued: TokenSet, current: TokenSet | None) -> TokenSet:
        if current is None:
            return issued
        # A refresh answer may leave out what the first answer said (an org's instance_url
        # stays the org's): what it does say wins.
        extras = {**current.extras, **issued.extras}
        if issued.refresh_token is None:
            # RFC 6749 §6: no new refresh token means the old one stays valid.
            return replace(
                issued,
                refresh_token=current.refresh_token,
                scope=issued.scope if issued.scope is not None else current.scope,
                extras=extras,
            )
        return replace(issued, extras=extras)

    async def persist(self, tokens: TokenSet) -> None:
        if self._on_rotated is None:
            _log.warning("auth.refresh_token_rotated_unsaved", hint="pass on_tokens_rotated")
            return
        await self._on_rotated(tokens)

    def secrets(self) -> tuple[str, ...]:
        return self._client.secrets()
