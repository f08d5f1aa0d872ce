"""Names and lists in strings: split_name, join and split.

`split_name` takes the first word as the first name and the rest as the last
name ("Ada King Lovelace" -> "Ada" / "King Lovelace"): vendors that keep one
name field put the given name first, and a multi-word family name is more
common than a multi-word given name in the data we see.
"""

from __future__ import annotations

from typing import Any

from interlink._errors import ConfigError
from interlink.mapping._transform import Context, Factory, Transform, TransformError

__all__ = ["TEXT"]


def _words(value: Any) -> tuple[str, str | None]:
    if not isinstance(value, str):
        raise TransformError("is not a name string", value)
    first, _, rest = value.strip().partition(" ")
    return first, rest.strip() or None


def _split_name(argument: Any, context: Context, /) -> Transform:
    if argument == "first":
        return Transform("split_name", lambda value: _words(value)[0] or None)
    if argument == "last":
        return Transform("split_name", lambda value: _words(value)[1])
    raise ConfigError(context.where, f"split_name needs 'first' or 'last', got {argument!r}")


def _separator(argument: Any, context: Context, name: str) -> str:
    if argument is None:
        return " "
    if not isinstance(argument, str) or not argument:
        raise ConfigError(context.where, f"{name} needs a non-empty separator string")
    return argument


def _join(argument: Any, context: Context, /) -> Transform:
    separator = _separator(argument, context, "join")

    def join(value: Any) -> str | None:
        if isinstance(value, str):
            return value or None
        if not isinstance(value, list | tuple):
            raise TransformError("cannot be joined: not a list", value)
        parts = []
        for item in value:
            if item is None or item == "":
                continue
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                raise TransformError("cannot be joined: an item is not text or a number", item)
            parts.append(str(item))
        return separator.join(parts) or None

    return Transform("join", join)


def _split(argument: Any, context: Context, /) -> Transform:
    separator = _separator(argument, context, "split")

    def split(value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, list):
            return value
        if not isinstance(value, str):
            raise TransformError("cannot be split: not a string", value)
        return [part.strip() for part in value.split(separator) if part.strip()]

    return Transform("split", split, null_aware=True)


TEXT: dict[str, Factory] = {"split_name": _split_name, "join": _join, "split": _split}
