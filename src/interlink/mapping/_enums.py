"""Enum maps: a vendor's values to a unified enum (read) or back (write), with a default.

Declared as `{enum: {vendor value: UNIFIED, ...}, default: OTHER}`. A value
missing from the map takes the default, or is a `MappingError` when there is
none: never silently null. Keys match exactly, then as strings, so a YAML key
`1` and a vendor's `"1"` (or the other way round) still meet.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final

from interlink._errors import ConfigError
from interlink.mapping._transform import Context, Transform, TransformError

__all__ = ["NO_DEFAULT", "enum_transform"]

NO_DEFAULT: Final = object()


def _check_member(value: Any, members: type[enum.StrEnum] | None, where: str) -> None:
    if members is not None and value not in members.__members__:
        raise ConfigError(
            where,
            f"{value!r} is not a {members.__name__} value; "
            f"expected one of: {', '.join(members.__members__)}",
        )


def enum_transform(table: Any, default: Any, context: Context) -> Transform:
    """Compile an enum map, checking unified values against the field's enum."""
    where = f"{context.where}.enum"
    if not isinstance(table, Mapping) or not table:
        raise ConfigError(where, "must be a non-empty mapping of vendor value to unified value")
    lookup: dict[Any, Any] = {}
    for key, value in table.items():
        if isinstance(key, dict | list) or isinstance(value, dict | list):
            raise ConfigError(f"{where}.{key}", "keys and values must be scalars")
        unified = value if context.direction == "read" else key
        _check_member(unified, context.enum, f"{where}.{key}")
        lookup[key] = value
        lookup.setdefault(str(key), value)
    if default is not NO_DEFAULT and context.direction == "read":
        _check_member(default, context.enum, f"{context.where}.default")
    known = ", ".join(repr(k) for k in table)

    def apply(value: Any) -> Any:
        try:
            return lookup[value]
        except (KeyError, TypeError):
            pass
        found = lookup.get(str(value), NO_DEFAULT)
        if found is not NO_DEFAULT:
            return found
        if default is not NO_DEFAULT:
            return default
        raise TransformError(
            f"is not one of the mapped values ({known}) and there is no default", value
        )

    return Transform("enum", apply)
