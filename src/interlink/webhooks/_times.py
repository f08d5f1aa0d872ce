"""Vendor event times: epoch seconds or milliseconds, or ISO 8601 strings, to UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["event_time"]

# Epoch values above this are milliseconds (it is year 5138 in seconds).
_MS_THRESHOLD = 100_000_000_000


def event_time(value: Any) -> datetime | None:
    """The moment `value` names, or None when it names none (absent, empty, unparseable)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.lstrip("-").replace(".", "", 1).isdigit():
            return event_time(float(text))
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _MS_THRESHOLD else float(value)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None
