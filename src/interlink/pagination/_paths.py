"""Dotted body paths, compiled once: `results`, `paging.next.after`, `$`.

A path is looked up on every page, so it is parsed once into a tuple of keys.
Syntax: `$` or an empty string is the body itself; `a.b.c` walks objects;
`items[0]` or `items.0` indexes a list; `["@odata.nextLink"]` quotes a key
that holds dots or brackets. A leading `$.` is allowed and ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from interlink._errors import ConfigError
from interlink._types import JSON

__all__ = ["MISSING", "BodyPath", "compile_path"]

MISSING: Final = object()
"""Returned by `BodyPath.get` (as the default) when the path is absent."""

_SEGMENT = re.compile(
    r"""
    (?P<dot>\.)?(?P<name>[^.\[\]\s"']+)     # .name  (or a bare first name)
    | \[(?P<index>\d+)\]                     # [3]
    | \[(?P<q>["'])(?P<quoted>[^"']+)(?P=q)\]  # ["key.with.dots"]
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class BodyPath:
    """A compiled path into a decoded JSON body."""

    source: str
    keys: tuple[str | int, ...]

    @property
    def is_root(self) -> bool:
        return not self.keys

    def get(self, body: JSON, default: JSON = None) -> JSON:
        """The value at this path, or `default` when any step is absent."""
        value = body
        for key in self.keys:
            if isinstance(value, dict):
                value = value.get(key if isinstance(key, str) else str(key), MISSING)
                if value is MISSING:
                    return default
            elif isinstance(value, list) and isinstance(key, int):
                if key >= len(value):
                    return default
                value = value[key]
            else:
                return default
        return value

    def __str__(self) -> str:
        return self.source or "$"


def compile_path(source: str, *, where: str) -> BodyPath:
    """Parse `source` once; a bad path is a `ConfigError` at `where`."""
    if not isinstance(source, str):
        raise ConfigError(where, f"must be a dotted path string, got {type(source).__name__}")
    text = source.strip()
    if text != source:
        raise ConfigError(where, f"must not have surrounding whitespace, got {source!r}")
    if text in ("", "$"):
        return BodyPath(source, ())
    if text.startswith("$."):
        text = text[2:]
        if not text:
            raise ConfigError(where, f"bad path syntax: {source!r} ends after '$.'")
    keys: list[str | int] = []
    pos = 0
    while pos < len(text):
        match = _SEGMENT.match(text, pos)
        # A name needs a dot before it, except the very first one.
        if match is None or (match["name"] and bool(match["dot"]) != (pos > 0)):
            raise ConfigError(
                where,
                f"bad path syntax at character {pos + 1} of {source!r}; "
                'expected a dotted path like "data.items", "items[0]" or \'["@odata.nextLink"]\'',
            )
        if match["name"] is not None:
            name = match["name"]
            keys.append(int(name) if name.isdigit() else name)
        elif match["index"] is not None:
            keys.append(int(match["index"]))
        else:
            keys.append(match["quoted"])
        pos = match.end()
    return BodyPath(source, tuple(keys))
