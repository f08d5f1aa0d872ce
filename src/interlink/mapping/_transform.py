"""What a transform is: a named, compiled, pure function from one value to another.

Transforms are built once at compile time by a factory that checks their
parameter (raising `ConfigError` there) and return a plain callable. At run
time a value the transform cannot handle raises `TransformError`, which the
compiled mapping turns into a `MappingError` naming the record and field.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from interlink._errors import ConfigError

__all__ = ["Context", "Factory", "Transform", "TransformError", "no_argument", "type_name"]

Direction = Literal["read", "write"]


def type_name(value: object) -> str:
    """The JSON-ish name of a value's type, for error messages that must not show the value."""
    return "null" if value is None else type(value).__name__


class TransformError(Exception):
    """A value a transform cannot handle. Carries the value's type, never the value."""

    def __init__(self, problem: str, value: object) -> None:
        self.problem = problem
        self.value_type = type_name(value)
        super().__init__(problem)


@dataclass(frozen=True, slots=True)
class Transform:
    """A compiled transform. Null skips it unless `null_aware` (list builders turn null into [])."""

    name: str
    apply: Callable[[Any], Any]
    null_aware: bool = False


@dataclass(frozen=True, slots=True)
class Context:
    """Where a transform is declared, which way it maps, and the unified field's enum, if any."""

    where: str
    direction: Direction
    enum: type[enum.StrEnum] | None = None


class Factory(Protocol):
    """Builds a transform from its declared parameter (None when named without one)."""

    def __call__(self, argument: Any, context: Context, /) -> Transform: ...


def no_argument(name: str, apply: Callable[[Any], Any], *, null_aware: bool = False) -> Factory:
    """The factory of a transform that takes no parameter."""

    def factory(argument: Any, context: Context, /) -> Transform:
        if argument is not None:
            raise ConfigError(context.where, f"transform {name!r} takes no parameter")
        return Transform(name, apply, null_aware)

    return factory
