"""A records hook with memory across the pages of a listing (as Stripe's events hook has)."""

from __future__ import annotations

from interlink._types import JSON
from interlink.connectors._answers import RecordsCall


def newest_once(call: RecordsCall) -> list[JSON]:
    """Each record once per listing: what later pages hold depends on earlier ones."""
    seen: set[str] = call.state.setdefault("seen", set())
    kept = [r for r in call.records if isinstance(r, dict) and r.get("id") not in seen]
    seen.update(str(r["id"]) for r in kept if isinstance(r, dict))
    return kept
