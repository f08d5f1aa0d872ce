"""Shared coordination state: in-process by default, Redis when workers share budgets."""

from __future__ import annotations

from interlink.state._state import State

__all__ = ["State"]
