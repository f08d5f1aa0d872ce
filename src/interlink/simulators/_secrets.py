"""Vendor secrets derived from the seed (client secrets, signing secrets, default tokens).

Stable across runs and machines for one seed, so a demo or a test can be
configured with a simulator's secrets before the simulator starts.
"""

from __future__ import annotations

import hashlib

__all__ = ["derived_secret"]


def derived_secret(vendor: str, seed: int, label: str) -> str:
    """64 hex characters, a pure function of (vendor, seed, label)."""
    return hashlib.sha256(f"interlink-sim:{vendor}:{seed}:{label}".encode()).hexdigest()
