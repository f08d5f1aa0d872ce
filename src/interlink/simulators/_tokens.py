"""Credentials the vendor issued: tokens, refresh tokens, authorization codes.

Vendor modules decide what each `TokenState` looks like on the wire (status
code and body); this module only knows which credentials exist, which expired
(by the injected clock) and which were revoked.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace

from interlink._clock import Clock

__all__ = ["Check", "CodeGrant", "CodeRefusal", "Token", "TokenState", "TokenStore", "s256"]

_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1


def s256(verifier: str) -> str:
    """RFC 7636's S256 code challenge of `verifier`: BASE64URL(SHA256(verifier)), unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class TokenState(enum.Enum):
    VALID = "valid"
    MISSING = "missing"  # no credential on the request
    UNKNOWN = "unknown"  # a credential we never issued
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Token:
    """An issued access credential.

    `subject` is whom the vendor meters it as (an app, an account): rate limits
    are keyed by it. `refresh_token` is None for non-expiring credentials.
    """

    value: str
    kind: str
    subject: str
    issued_at: float
    expires_at: float | None = None
    refresh_token: str | None = None

    def expires_in(self, now: float) -> int | None:
        return None if self.expires_at is None else max(0, round(self.expires_at - now))


@dataclass(frozen=True, slots=True)
class Check:
    state: TokenState
    token: Token | None = None
    expired_for: float = 0.0  # seconds since expiry, for vendors that say "expired 5 minutes ago"


@dataclass(frozen=True, slots=True)
class CodeGrant:
    """What an authorization code was issued for, as the consent screen saw the request.

    `code_challenge` is the S256 challenge (RFC 7636) the code is bound to; the
    token request must then carry the verifier it was derived from.
    """

    subject: str
    client_id: str | None = None
    redirect_uri: str | None = None
    code_challenge: str | None = None
    scope: str | None = None


class CodeRefusal(enum.Enum):
    """Why a token request could not redeem an authorization code."""

    UNKNOWN = "unknown, expired or already used"
    CLIENT_MISMATCH = "issued to another client"
    REDIRECT_MISMATCH = "redirect_uri does not match the authorization request's"
    VERIFIER_MISSING = "code_verifier required (the code was issued with a PKCE challenge)"
    VERIFIER_MALFORMED = "code_verifier must be 43-128 unreserved characters (RFC 7636)"
    VERIFIER_MISMATCH = "code_verifier does not match the code_challenge"


class TokenStore:
    __slots__ = ("_clock", "_codes", "_refresh", "_revoked", "_tokens")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._tokens: dict[str, Token] = {}
        self._revoked: set[str] = set()
        self._refresh: dict[str, tuple[str, str]] = {}  # refresh token -> (kind, subject)
        self._codes: dict[str, CodeGrant] = {}  # authorization code -> what it grants

    def issue(
        self,
        kind: str,
        subject: str,
        *,
        ttl: float | None = None,
        refreshable: bool = False,
        value: str | None = None,
        refresh_token: str | None = None,
        prefix: str = "",
    ) -> Token:
        """A new credential; `ttl` None means it never expires."""
        now = self._clock.time()
        if refreshable and refresh_token is None:
            refresh_token = secrets.token_hex(16)
        token = Token(
            value or prefix + secrets.token_urlsafe(24),
            kind,
            subject,
            now,
            None if ttl is None else now + ttl,
            refresh_token,
        )
        self._tokens[token.value] = token
        self._revoked.discard(token.value)
        if refresh_token is not None:
            self._refresh[refresh_token] = (kind, subject)
        return token

    def issued(self, kind: str | None = None) -> list[Token]:
        """Every credential issued (of `kind`, when given), oldest first."""
        return [t for t in self._tokens.values() if kind is None or t.kind == kind]

    def check(self, value: str | None) -> Check:
        if not value:
            return Check(TokenState.MISSING)
        token = self._tokens.get(value)
        if token is None:
            return Check(TokenState.UNKNOWN)
        if value in self._revoked:
            return Check(TokenState.REVOKED, token)
        now = self._clock.time()
        if token.expires_at is not None and now >= token.expires_at:
            return Check(TokenState.EXPIRED, token, now - token.expires_at)
        return Check(TokenState.VALID, token)

    def refresh(
        self, refresh_token: str, *, ttl: float, prefix: str = "", rotate: bool = False
    ) -> Token | None:
        """A new access token for a known refresh token, or None.

        The refresh token stays valid, unless `rotate`: then it is spent and the new
        token carries a fresh one (Zendesk's and Xero's single-use refresh tokens).
        """
        spend = self._refresh.pop if rotate else self._refresh.get
        found = spend(refresh_token, None)
        if found is None:
            return None
        kind, subject = found
        if rotate:
            return self.issue(kind, subject, ttl=ttl, refreshable=True, prefix=prefix)
        return self.issue(kind, subject, ttl=ttl, refresh_token=refresh_token, prefix=prefix)

    def issue_code(self, subject: str, grant: CodeGrant | None = None) -> str:
        """A single-use authorization code for `subject` (bound to `grant`'s client,
        redirect URI and PKCE challenge when given)."""
        code = secrets.token_hex(12)
        self._codes[code] = grant or CodeGrant(subject)
        return code

    def redeem_code(self, code: str) -> str | None:
        """The subject an authorization code was issued for; a code works once.
        A code bound to a PKCE challenge needs `redeem` (with the verifier)."""
        grant = self._codes.pop(code, None)
        return None if grant is None or grant.code_challenge is not None else grant.subject

    def redeem(
        self,
        code: str,
        *,
        client_id: str | None,
        redirect_uri: str | None,
        code_verifier: str | None,
    ) -> CodeGrant | CodeRefusal:
        """Redeem `code` as RFC 6749 §4.1.3 and RFC 7636 §4.6 say: same client, same
        redirect URI, and the verifier whose S256 is the challenge. Any attempt spends
        the code, so a wrong verifier cannot be retried against it."""
        grant = self._codes.pop(code, None)
        if grant is None:
            return CodeRefusal.UNKNOWN
        if grant.client_id is not None and client_id != grant.client_id:
            return CodeRefusal.CLIENT_MISMATCH
        if grant.redirect_uri is not None and redirect_uri != grant.redirect_uri:
            return CodeRefusal.REDIRECT_MISMATCH
        if grant.code_challenge is not None:
            if not code_verifier:
                return CodeRefusal.VERIFIER_MISSING
            if not _VERIFIER.fullmatch(code_verifier):
                return CodeRefusal.VERIFIER_MALFORMED
            if not hmac.compare_digest(s256(code_verifier), grant.code_challenge):
                return CodeRefusal.VERIFIER_MISMATCH
        return grant

    def revoke(self, value: str) -> bool:
        """Revoke an access token, and the refresh token behind it (the user disconnected)."""
        token = self._tokens.get(value)
        if token is None:
            return False
        self._revoked.add(value)
        if token.refresh_token is not None:
            self._refresh.pop(token.refresh_token, None)
        return True

    def revoke_all(self) -> int:
        self._revoked.update(self._tokens)
        self._refresh.clear()
        return len(self._tokens)

    def extend(self, value: str, ttl: float) -> None:
        """Slide a token's expiry to `ttl` seconds from now: for vendors whose sessions
        expire after a period of inactivity (Salesforce), each use extends them."""
        token = self._tokens.get(value)
        if token is not None:
            self._tokens[value] = replace(token, expires_at=self._clock.time() + ttl)

    def expire(self, value: str) -> None:
        """Make a token expired now (tests that do not want to move the clock)."""
        token = self._tokens[value]
        self._tokens[value] = replace(token, expires_at=self._clock.time())

    def reset(self) -> None:
        self._tokens.clear()
        self._revoked.clear()
        self._refresh.clear()
        self._codes.clear()
