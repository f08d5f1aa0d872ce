"""The dashboard: the health of a tenant's integrations, server-rendered at `/dashboard`."""

from __future__ import annotations

__all__: list[str] = []
