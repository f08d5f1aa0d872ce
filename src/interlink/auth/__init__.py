"""Authentication: how a request proves who sends it.

Static strategies (`APIKeyAuth`, `BasicAuth`, `BearerAuth`) add one secret to
each request. The OAuth2 flows (`ClientCredentialsAuth`, `RefreshTokenAuth`)
obtain, cache and renew access tokens, once per token lifetime across every
worker that shares their `TokenStore` and `RefreshLock`. Every strategy is an
`Auth` flow the pipeline drives; every secret is redacted from reprs, logs
and errors.
"""

from __future__ import annotations

from interlink.auth._base import Auth
from interlink.auth._client import ClientAuthMethod, OAuth2Client
from interlink.auth._lock import LocalLock, LockLease, RefreshLock
from interlink.auth._oauth2 import ClientCredentialsAuth, RefreshTokenAuth, TokensRotated
from interlink.auth._redis_lock import RedisLock
from interlink.auth._redis_store import Cipher, RedisTokenStore
from interlink.auth._static import APIKeyAuth, BasicAuth, BearerAuth, KeyPlacement
from interlink.auth._store import InMemoryTokenStore, TokenStore
from interlink.auth._tokens import TokenSet

__all__ = [
    "APIKeyAuth",
    "Auth",
    "BasicAuth",
    "BearerAuth",
    "Cipher",
    "ClientAuthMethod",
    "ClientCredentialsAuth",
    "InMemoryTokenStore",
    "KeyPlacement",
    "LocalLock",
    "LockLease",
    "OAuth2Client",
    "RedisLock",
    "RedisTokenStore",
    "RefreshLock",
    "RefreshTokenAuth",
    "TokenSet",
    "TokenStore",
    "TokensRotated",
]
