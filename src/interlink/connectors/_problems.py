"""What a bad spec gets: every problem, each with its file, line, path and what was expected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from interlink._errors import ConfigError

__all__ = ["SpecError", "SpecProblem"]


@dataclass(frozen=True, slots=True, order=True)
class SpecProblem:
    """One problem of one spec: `specs/acme.yaml:14: resources.contacts.read.fist_name: ...`."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path or '(top)'}: {self.message}"


class SpecError(ConfigError):
    """A connector spec is invalid; `problems` lists every problem found, not just the first."""

    def __init__(self, problems: Sequence[SpecProblem]) -> None:
        if not problems:
            raise ValueError("SpecError needs at least one problem")
        self.problems = tuple(sorted(dict.fromkeys(problems), key=_order))
        first = self.problems[0]
        super().__init__(first.path or first.file, first.message)

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in connector spec"
        return head + ":\n" + "\n".join(f"  {p}" for p in self.problems)


def _order(problem: SpecProblem) -> tuple[str, int, str]:
    return (problem.file, problem.line or 0, problem.path)
