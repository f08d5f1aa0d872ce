"""The token set an OAuth2 grant yields, and when it must be renewed.

Times are wall-clock epoch seconds (`Clock.time()`), so worker processes that
share a token store agree on when a token expires.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TokenSet"]


@dataclass(frozen=True, slots=True)
class TokenSet:
    """An access token, its lifetime and (for authorization-code grants) a refresh token.

    `obtained_at` is when the token endpoint issued it; `expires_at` is None
    when the provider gave no lifetime (such a token is renewed only after a
    401). The tokens never appear in the repr.
    """

    access_token: str = field(repr=False)
    token_type: str = "Bearer"
    expires_at: float | None = None
    obtained_at: float = 0.0
    refresh_token: str | None = field(default=None, repr=False)
    scope: str | None = None
    extras: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """The token answer's other fields (Salesforce's `instance_url`, Slack's `team`), kept
    with the tokens and persisted with them. They may hold secrets (Slack nests a user
    token): like the tokens, they never appear in the repr or in logs."""

    @classmethod
    def from_refresh_token(cls, refresh_token: str, *, obtained_at: float = 0.0) -> TokenSet:
        """A set holding only a refresh token: the first request refreshes it."""
        return cls(access_token="", refresh_token=refresh_token, obtained_at=obtained_at)

    def expired(self, now: float) -> bool:
        """True when the access token can no longer be sent."""
        if not self.access_token:
            return True
        return self.expires_at is not None and now >= self.expires_at

    def refresh_due(self, now: float, ratio: float) -> bool:
        """True once `ratio` of the token's lifetime has passed."""
        if self.expires_at is None:
            return False
        lifetime = self.expires_at - self.obtained_at
        return now >= self.obtained_at + ratio * lifetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, for token stores and the persistence callback."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_at": self.expires_at,
            "obtained_at": self.obtained_at,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
            "extras": dict(self.extras),
        }

    @classmethod
    def from_dict(cls, data: object) -> TokenSet:
        """Rebuild a set written by `to_dict`; ValueError (naming the field) if it is not one."""
        if not isinstance(data, dict):
            raise ValueError(f"token set: expected an object, got {type(data).__name__}")
        return cls(
            access_token=_text(data, "access_token"),
            token_type=_text(data, "token_type"),
            expires_at=_time(data, "expires_at", optional=True),
            obtained_at=_time(data, "obtained_at", optional=False) or 0.0,
            refresh_token=_text(data, "refresh_token", optional=True),
            scope=_text(data, "scope", optional=True),
            extras=_extras(data),
        )


def newest(*candidates: TokenSet | None) -> TokenSet | None:
    """The most recently issued of the given sets (the first one wins a tie)."""
    best: TokenSet | None = None
    for tokens in candidates:
        if tokens is not None and (best is None or tokens.obtained_at > best.obtained_at):
            best = tokens
    return best


def _text(data: dict[str, Any], name: str, *, optional: bool = False) -> Any:
    value = data.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"token set: {name!r} must be a string, got {type(value).__name__}")
    return value


def _extras(data: dict[str, Any]) -> dict[str, Any]:
    value = data.get("extras")
    if value is None:  # written before extras were kept
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"token set: 'extras' must be an object, got {type(value).__name__}")
    return value


def _time(data: dict[str, Any], name: str, *, optional: bool) -> float | None:
    value = data.get(name)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"token set: {name!r} must be a number, got {type(value).__name__}")
    return float(value)
