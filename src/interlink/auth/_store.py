"""The shared token store: where one worker's fresh token becomes every worker's.

After taking the refresh lock, a flow re-reads the store: if another worker
already refreshed, its token set is reused instead of refreshing again (which,
with rotating refresh tokens, would burn the grant). `InMemoryTokenStore`
serves one process; `RedisTokenStore` (in `_redis_store`) serves many.
"""

from __future__ import annotations

from typing import Protocol

from interlink.auth._tokens import TokenSet

__all__ = ["InMemoryTokenStore", "TokenStore"]


class TokenStore(Protocol):
    """Token sets by key (one key per grant or client)."""

    async def get(self, key: str) -> TokenSet | None:
        """The current token set for `key`, or None."""
        ...

    async def put(self, key: str, tokens: TokenSet) -> None:
        """Make `tokens` the current set for `key`."""
        ...

    async def delete(self, key: str) -> None:
        """Forget `key` (e.g. after the user re-connected with a new grant)."""
        ...


class InMemoryTokenStore:
    """A token store for the auth objects of one process."""

    __slots__ = ("_tokens",)

    def __init__(self) -> None:
        self._tokens: dict[str, TokenSet] = {}

    async def get(self, key: str) -> TokenSet | None:
        return self._tokens.get(key)

    async def put(self, key: str, tokens: TokenSet) -> None:
        self._tokens[key] = tokens

    async def delete(self, key: str) -> None:
        self._tokens.pop(key, None)

    def __repr__(self) -> str:
        return f"<InMemoryTokenStore keys={len(self._tokens)}>"
