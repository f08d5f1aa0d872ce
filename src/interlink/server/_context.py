"""Per-request context every layer can read: who acts, and the request id."""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ["actor"]

actor: ContextVar[str] = ContextVar("interlink_actor", default="interlink")
"""`api_key:<id>` inside an API request (and the tasks it starts); `interlink` otherwise."""
