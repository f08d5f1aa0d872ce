"""The named transforms, and compiling a `transform:` declaration into a chain of them.

A declaration is a name (`datetime`), a one-key mapping with a parameter
(`{split_name: first}`), an enum map (`{enum: {...}, default: X}`), or a list
of those applied in order (`[strip, int]`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from interlink._errors import ConfigError
from interlink.mapping._coerce import COERCIONS
from interlink.mapping._contact_points import CONTACT_POINTS
from interlink.mapping._dates import DATES
from interlink.mapping._enums import NO_DEFAULT, enum_transform
from interlink.mapping._money import MONEY
from interlink.mapping._text import TEXT
from interlink.mapping._transform import Context, Factory, Transform
from interlink.models._registry import suggest

__all__ = ["TRANSFORMS", "compile_transforms"]

TRANSFORMS: Mapping[str, Factory] = MappingProxyType(
    {**COERCIONS, **DATES, **TEXT, **CONTACT_POINTS, **MONEY}
)
"""Every named transform (besides `enum`) by name."""

_NAMES = (*TRANSFORMS, "enum")


def _one(declaration: Any, context: Context) -> Transform:
    if isinstance(declaration, str):
        name, argument = declaration, None
    elif isinstance(declaration, Mapping) and "enum" in declaration:
        extra = set(declaration) - {"enum", "default"}
        if extra:
            raise ConfigError(
                context.where, f"an enum map takes only 'enum' and 'default', not {sorted(extra)}"
            )
        return enum_transform(declaration["enum"], declaration.get("default", NO_DEFAULT), context)
    elif isinstance(declaration, Mapping) and len(declaration) == 1:
        ((name, argument),) = declaration.items()
    else:
        raise ConfigError(
            context.where,
            "must be a transform name, a one-key mapping {name: parameter}, "
            "an enum map {enum: {...}, default: ...} or a list of those",
        )
    factory = TRANSFORMS.get(name)
    if factory is None:
        raise ConfigError(
            context.where,
            f"unknown transform {name!r}{suggest(str(name), _NAMES)}; "
            f"expected one of: {', '.join(sorted(_NAMES))}",
        )
    return factory(argument, context)


def compile_transforms(declaration: Any, context: Context) -> tuple[Transform, ...]:
    """The chain a `transform:` declaration names, each checked now, never at first record."""
    if declaration is None:
        return ()
    if isinstance(declaration, list):
        return tuple(
            _one(item, Context(f"{context.where}[{i}]", context.direction, context.enum))
            for i, item in enumerate(declaration)
        )
    return (_one(declaration, context),)
