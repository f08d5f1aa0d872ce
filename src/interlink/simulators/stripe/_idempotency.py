"""Stripe's idempotent requests: the first result of a key is saved and replayed.

As documented: a key's saved result (status and body, success or failure) is
returned for every retry with the same parameters, marked `Idempotent-Replayed:
true`; the same key with other parameters or on another endpoint is a 400
`idempotency_error`; keys are forgotten 24 hours after first use. Results are
saved only once the endpoint began executing: a request that failed parameter
validation saves nothing, so it can be corrected and retried with the same key.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KEY_TTL", "IdempotencyStore", "Saved"]

KEY_TTL = 24 * 3600.0
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Saved:
    endpoint: str  # "POST /v1/customers"
    fingerprint: bytes  # the request parameters, canonically encoded
    status: int
    body: bytes
    request_id: str  # the original request's id (sent back as Original-Request)
    saved_at: float


class IdempotencyMismatch(Exception):  # noqa: N818 (an outcome, rendered by the caller)
    def __init__(self, saved: Saved, same_endpoint: bool) -> None:
        super().__init__(saved.endpoint)
        self.saved, self.same_endpoint = saved, same_endpoint


class IdempotencyStore:
    __slots__ = ("_saved",)

    def __init__(self) -> None:
        self._saved: dict[str, Saved] = {}

    def lookup(self, key: str, endpoint: str, fingerprint: bytes, now: float) -> Saved | None:
        """The saved result to replay, None for a fresh key; `IdempotencyMismatch` on misuse."""
        saved = self._saved.get(key)
        if saved is not None and now - saved.saved_at >= KEY_TTL:
            del self._saved[key]
            saved = None
        if saved is None:
            return None
        if saved.endpoint != endpoint or saved.fingerprint != fingerprint:
            raise IdempotencyMismatch(saved, saved.endpoint == endpoint)
        return saved

    def save(self, key: str, saved: Saved) -> None:
        self._saved[key] = saved

    def clear(self) -> None:
        self._saved.clear()
