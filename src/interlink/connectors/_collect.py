"""Collecting every problem of a spec: each section compiles on its own, failures are noted.

A section whose data already failed the schema is not compiled again (its
problem is known, and a second message about the same key would only
confuse). Builders raise `ConfigError(where, problem)`; the collector turns
each into a `SpecProblem` with the file and the line of `where`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from interlink._errors import ConfigError
from interlink.connectors._problems import SpecProblem
from interlink.connectors._yaml import LineIndex, Path, format_path

__all__ = ["Collector"]

T = TypeVar("T")


def _related(a: str, b: str) -> bool:
    """True when one path is the other or lies inside it."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return long == short or long.startswith((short + ".", short + "[")) or not short


class Collector:
    """Runs compile steps, keeping each one's `ConfigError` as a located problem."""

    def __init__(self, file: str, index: LineIndex) -> None:
        self.file = file
        self.index = index
        self.problems: list[SpecProblem] = []
        self._schema_paths: list[str] = []

    def add_at(self, path: Path, message: str) -> None:
        self.problems.append(
            SpecProblem(self.file, self.index.line(path), format_path(path), message)
        )

    def add(self, where: str, message: str) -> None:
        path = self.index.locate(where)
        self.problems.append(SpecProblem(self.file, self.index.line(path), where, message))

    def add_schema(self, found: Iterable[tuple[Path, str]]) -> None:
        for path, message in found:
            self.add_at(path, message)
            self._schema_paths.append(format_path(path))

    def blocked(self, where: str) -> bool:
        """True when the schema already reported a problem at, inside or above `where`."""
        return any(_related(where, known) for known in self._schema_paths)

    def run(self, where: str, step: Callable[[], T]) -> T | None:
        """`step()`, or None after noting its `ConfigError` (or when `where` is blocked)."""
        if self.blocked(where):
            return None
        try:
            return step()
        except ConfigError as exc:
            for each in getattr(exc, "problems", (exc,)):  # a mapping reports all of its own
                self.add(each.where, each.problem)
            return None
