"""Slack credentials: bot and user tokens, their scopes, rotation through `oauth.v2.access`.

Token shapes follow Slack's: `xoxb-` bot tokens and `xoxp-` user tokens never
expire; with token rotation enabled they become `xoxe.xoxb-1-...` access tokens
that live 12 hours plus a single-use `xoxe-1-...` refresh token, and every
refresh hands out a new pair. A user token stops working (`account_inactive`)
when its member is deactivated.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from interlink.simulators._store import Collection
from interlink.simulators._tokens import Token, TokenState, TokenStore
from interlink.simulators.slack._objects import USER_FIRST_ID, Workspace, b36
from interlink.simulators.slack._wire import SlackError

__all__ = ["ACCESS_TOKEN_TTL", "BOT", "ROTATING", "USER", "Caller", "Credentials"]

ACCESS_TOKEN_TTL = 43_200  # rotating tokens live 12 hours
BOT, USER, ADMIN, ROTATING = "bot", "user", "admin", "rotating"
BOT_SCOPES = frozenset({"users:read", "users:read.email", "channels:read", "groups:read",
                        "chat:write", "chat:write.public"})  # fmt: skip
USER_SCOPES = frozenset({"users:read", "users:read.email", "users.profile:write",
                         "channels:read", "groups:read", "chat:write"})  # fmt: skip
_STATE_ERRORS = {
    TokenState.MISSING: "not_authed",
    TokenState.UNKNOWN: "invalid_auth",
    TokenState.REVOKED: "token_revoked",
    TokenState.EXPIRED: "token_expired",
}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a request: the token, what it may do, and the member behind a user token."""

    token: Token
    scopes: frozenset[str]
    user_id: int | None  # the member's record id (user tokens), None for bot tokens

    @property
    def is_bot(self) -> bool:
        return self.user_id is None


@dataclass(frozen=True, slots=True)
class _Grant:
    """What a refresh token may renew: one installation's rotating access token."""

    kind: str
    scopes: frozenset[str]
    user_id: int | None
    access_token: str  # the access token issued with it: revoking that kills the grant


class Credentials:
    """Issues and checks Slack tokens on top of the framework's `TokenStore`."""

    def __init__(self, tokens: TokenStore, workspace: Workspace, users: Collection) -> None:
        self._tokens, self._workspace, self._users = tokens, workspace, users
        self._scopes: dict[str, frozenset[str]] = {}
        self._owners: dict[str, int] = {}  # user token -> member record id
        self._grants: dict[str, _Grant] = {}  # live refresh tokens (single use)

    def _team_number(self) -> str:
        return str(int(self._workspace.team_id[1:], 36))

    def issue(
        self,
        kind: str = BOT,
        *,
        user_id: int = USER_FIRST_ID,
        scopes: Iterable[str] | None = None,
        value: str | None = None,
    ) -> Token:
        """A token of `kind`: `bot`, `user` (a member's, default the primary owner),
        `admin` (a user token with the `admin` scope) or `rotating` (expiring bot token)."""
        team = self._team_number()
        if kind in (USER, ADMIN):
            granted = frozenset(scopes or USER_SCOPES | ({"admin"} if kind == ADMIN else set()))
            number = f"{team}-{user_id}-{team}"
            token = self._tokens.issue(
                USER, f"user:{user_id}", value=value, prefix=f"xoxp-{number}-"
            )
            self._owners[token.value] = user_id
        elif kind == BOT:
            granted = frozenset(scopes or BOT_SCOPES)
            bot = int(self._workspace.bot_id[1:], 36)
            token = self._tokens.issue(
                BOT,
                "app",
                value=value,
                prefix=f"xoxb-{team}-{bot}-",
            )
        elif kind == ROTATING:
            return self._rotating(frozenset(scopes or BOT_SCOPES), None)[0]
        else:
            raise ValueError(f"unknown Slack token kind {kind!r} (bot, user, admin, rotating)")
        self._scopes[token.value] = granted
        return token

    def _rotating(self, scopes: frozenset[str], user_id: int | None) -> tuple[Token, str]:
        """A 12-hour access token and the single-use refresh token that renews it."""
        kind = "xoxp" if user_id is not None else "xoxb"
        token = self._tokens.issue(ROTATING, "app", ttl=ACCESS_TOKEN_TTL, prefix=f"xoxe.{kind}-1-")
        self._scopes[token.value] = scopes
        if user_id is not None:
            self._owners[token.value] = user_id
        refresh = f"xoxe-1-{secrets.token_hex(40)}"
        self._grants[refresh] = _Grant(ROTATING, scopes, user_id, token.value)
        return token, refresh

    def install(self) -> tuple[Token, str]:
        """What an OAuth code exchange grants this app: a rotating bot token pair."""
        return self._rotating(BOT_SCOPES, None)

    def rotate(self, refresh_token: str) -> tuple[Token, str, frozenset[str]]:
        """Spend a refresh token for a new access + refresh pair (`invalid_refresh_token`)."""
        grant = self._grants.pop(refresh_token, None)
        if grant is None or self._tokens.check(grant.access_token).state is TokenState.REVOKED:
            raise SlackError("invalid_refresh_token")
        token, refresh = self._rotating(grant.scopes, grant.user_id)
        return token, refresh, grant.scopes

    def caller(self, value: str | None) -> Caller:
        """The checked caller, or a `SlackError` with Slack's code for what is wrong."""
        check = self._tokens.check(value)
        if check.state is not TokenState.VALID or check.token is None:
            raise SlackError(_STATE_ERRORS[check.state])
        token = check.token
        user_id = self._owners.get(token.value)
        if user_id is not None:
            member = self._users.get(user_id)
            if member is None or member.fields.get("deleted"):
                raise SlackError("account_inactive")
        return Caller(token, self._scopes.get(token.value, frozenset()), user_id)

    def require(self, caller: Caller, needed: Iterable[str]) -> None:
        """`missing_scope` (with `needed` and `provided`) unless the caller has one of `needed`."""
        wanted = tuple(needed)
        if wanted and not caller.scopes.intersection(wanted):
            raise SlackError(
                "missing_scope", needed=",".join(wanted), provided=",".join(sorted(caller.scopes))
            )

    def scope_headers(self, caller: Caller, needed: Iterable[str]) -> Mapping[str, str]:
        """Slack names granted and accepted scopes on every Web API answer."""
        return {
            "X-OAuth-Scopes": ",".join(sorted(caller.scopes)),
            "X-Accepted-OAuth-Scopes": ",".join(needed),
        }

    def bot_user(self) -> str:
        return self._workspace.bot_user_id

    def user_slack_id(self, caller: Caller) -> str:
        return self.bot_user() if caller.user_id is None else "U" + b36(caller.user_id)
