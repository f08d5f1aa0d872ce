"""Durations as a connector spec writes them: "1s", "10s", "1m", "1h", "1d"."""

from __future__ import annotations

import re

__all__ = ["parse_duration"]

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


def parse_duration(value: object) -> float:
    """Seconds in `value`: a positive number (seconds) or a string like "10s" or "1d".

    Raises `ValueError` with the accepted forms when `value` is anything else.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like '10s' or '1d', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _PATTERN.match(value)):
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    else:
        raise ValueError(f"expected a duration like '1s', '10s', '1m', '1h' or '1d', got {value!r}")
    if not seconds > 0:
        raise ValueError(f"must be a positive duration, got {value!r}")
    return seconds
