"""Per-request context every layer can read: who acts, and the request id."""

from __future__ import annotations

from interlink.vault import acting_for

__all__ = ["actor"]

actor = acting_for
"""`api_key:<id>` inside an API request (and the tasks it starts); None otherwise, when the
vault audits a credential read as the process (`server`)."""
