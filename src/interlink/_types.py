"""Shapes shared across layers: kept tiny so every layer can import it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

JSON: TypeAlias = Any
"""A decoded JSON value (dict, list, str, int, float, bool or None)."""

JSONObject: TypeAlias = dict[str, Any]

Method: TypeAlias = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

HeaderMap: TypeAlias = Mapping[str, str]
"""Response headers: case-insensitive lookup (a multidict in practice)."""

QueryParams: TypeAlias = Mapping[str, str | int | float | bool]
