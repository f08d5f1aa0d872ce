"""Collecting every problem of a mapping declaration, not only the first.

Each rule compiles on its own; a `ConfigError` from one is noted and the
next one is compiled, so a spec author fixes every mistake of a resource in
one round. `MappingConfigError` carries them all and is itself a
`ConfigError` (the first problem's place and text) for callers that want one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from interlink._errors import ConfigError

__all__ = ["MappingConfigError", "Problems"]

T = TypeVar("T")


class MappingConfigError(ConfigError):
    """Several problems in one mapping declaration; `problems` lists each, in order."""

    def __init__(self, problems: Sequence[ConfigError]) -> None:
        first = problems[0]
        super().__init__(first.where, first.problem)
        self.problems: tuple[ConfigError, ...] = tuple(problems)
        self.args = ("\n".join(str(p) for p in self.problems),)

    def __str__(self) -> str:
        return str(self.args[0])


class Problems:
    """Runs compile steps, keeping each `ConfigError` (several, from a nested collection)."""

    def __init__(self) -> None:
        self.found: list[ConfigError] = []

    def run(self, step: Callable[[], T]) -> T | None:
        try:
            return step()
        except MappingConfigError as exc:
            self.found.extend(exc.problems)
        except ConfigError as exc:
            self.found.append(exc)
        return None

    def raise_any(self) -> None:
        """Raise what was found: the one `ConfigError`, or a `MappingConfigError` of several."""
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise MappingConfigError(self.found)
