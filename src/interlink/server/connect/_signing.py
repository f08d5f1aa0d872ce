"""Tokens the server hands to browsers, from one server secret: signed, or sealed.

- `Signer`: `payload.signature`, HMAC-SHA256 over a JSON payload with an expiry.
  Tenant tokens use it: what they say (tenant, return URL, expiry) is not
  secret, only unforgeable.
- `Sealer`: AES-256-GCM, for cookies that carry a secret (the PKCE verifier) and
  must be unreadable as well as unforgeable.

Each use derives its own key from the secret and a purpose, so a token minted
for one purpose is refused by every other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["BadTokenError", "Sealer", "Signer"]


class BadTokenError(Exception):
    """A token that is malformed, forged, for another purpose, or expired (`reason` says)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _key(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, b"interlink:" + purpose.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise BadTokenError("malformed") from None


def _checked(raw: bytes, now: float) -> dict[str, Any]:
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadTokenError("malformed") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int | float):
        raise BadTokenError("malformed")
    if now >= payload["exp"]:
        raise BadTokenError("expired")
    return payload


class Signer:
    """HMAC-signed, expiring JSON tokens for one purpose."""

    __slots__ = ("_key",)

    def __init__(self, secret: bytes, purpose: str) -> None:
        self._key = _key(secret, purpose)

    def sign(self, payload: dict[str, Any], *, expires_at: float) -> str:
        body = _b64(orjson.dumps({**payload, "exp": round(expires_at, 3)}))
        return f"{body}.{_b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())}"

    def verify(self, token: str, *, now: float) -> dict[str, Any]:
        """The payload; `BadTokenError` when malformed, forged or expired."""
        body, dot, signature = token.partition(".")
        if not dot or not body or len(token) > 4096:
            raise BadTokenError("malformed")
        wanted = hmac.new(self._key, body.encode("ascii", "replace"), hashlib.sha256).digest()
        if not hmac.compare_digest(_unb64(signature), wanted):
            raise BadTokenError("forged")
        return _checked(_unb64(body), now)


class Sealer:
    """AES-GCM sealed, expiring JSON tokens for one purpose."""

    __slots__ = ("_aead", "_purpose")

    def __init__(self, secret: bytes, purpose: str) -> None:
        self._aead = AESGCM(_key(secret, purpose))
        self._purpose = purpose.encode()

    def seal(self, payload: dict[str, Any], *, expires_at: float) -> str:
        nonce = secrets.token_bytes(12)
        plain = orjson.dumps({**payload, "exp": round(expires_at, 3)})
        return _b64(nonce + self._aead.encrypt(nonce, plain, self._purpose))

    def open(self, token: str, *, now: float) -> dict[str, Any]:
        """The payload; `BadTokenError` when malformed, tampered with or expired."""
        if len(token) > 4096:
            raise BadTokenError("malformed")
        raw = _unb64(token)
        if len(raw) < 12 + 16:
            raise BadTokenError("malformed")
        try:
            plain = self._aead.decrypt(raw[:12], raw[12:], self._purpose)
        except InvalidTag:
            raise BadTokenError("forged") from None
        return _checked(plain, now)
