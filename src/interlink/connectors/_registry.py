"""The registry of providers: the built-in connectors, plus the user's folders of specs.

```python
registry = ConnectorRegistry.builtin()            # every spec under interlink/connectors/builtin
problems = registry.load_dir("specs/")            # valid specs load; invalid ones are reported
registry.get("hubspot").resources["contacts"]
```

A folder loads spec by spec: each valid spec is added, each invalid one is
reported in `problems` and added nowhere (pass `strict=True` to add none
unless all are valid). A spec never replaces another: a second spec of the
same provider, built-in or not, is a problem.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from interlink._errors import ConfigError
from interlink.connectors._loader import duplicate_problem, validate_path
from interlink.connectors._problems import SpecError, SpecProblem
from interlink.connectors._schema import did_you_mean
from interlink.connectors._spec import ConnectorSpec

__all__ = ["BUILTIN_DIR", "PATH_VARIABLE", "ConnectorRegistry"]

BUILTIN_DIR = Path(__file__).parent / "builtin"
PATH_VARIABLE = "INTERLINK_CONNECTORS_PATH"
"""Folders of user specs (separated by os.pathsep) that `ConnectorRegistry.default()` loads."""


@cache
def _builtin_specs() -> tuple[ConnectorSpec, ...]:
    specs, problems = validate_path(BUILTIN_DIR)
    if problems:  # a broken built-in is a bug in Interlink, never the user's to work around
        raise SpecError(problems)
    return tuple(specs)


class ConnectorRegistry:
    """Compiled connector specs by provider name."""

    def __init__(self, specs: tuple[ConnectorSpec, ...] | list[ConnectorSpec] = ()) -> None:
        self._specs: dict[str, ConnectorSpec] = {}
        self.problems: list[SpecProblem] = []
        """Every problem of the specs that failed to load into this registry."""
        for spec in specs:
            self.add(spec)

    @classmethod
    def builtin(cls) -> ConnectorRegistry:
        """The connectors that ship with Interlink."""
        return cls(_builtin_specs())

    @classmethod
    def default(cls) -> ConnectorRegistry:
        """The built-ins plus every folder named in `INTERLINK_CONNECTORS_PATH`."""
        registry = cls.builtin()
        for folder in filter(None, os.environ.get(PATH_VARIABLE, "").split(os.pathsep)):
            registry.load_dir(folder)
        return registry

    def add(self, spec: ConnectorSpec) -> None:
        """Add one compiled spec; a provider name already taken is a `SpecError`."""
        if spec.provider in self._specs:
            first = self._specs[spec.provider].source or "a spec already registered"
            raise SpecError([duplicate_problem(spec, first)])
        self._specs[spec.provider] = spec

    def load_dir(self, path: str | Path, *, strict: bool = False) -> list[SpecProblem]:
        """Load a spec file or every spec of a folder; returns (and keeps) the problems found."""
        specs, problems = validate_path(path)
        if strict and problems:
            raise SpecError(problems)
        for spec in specs:
            try:
                self.add(spec)
            except SpecError as exc:
                problems.extend(exc.problems)
        self.problems.extend(problems)
        return problems

    def get(self, name: str) -> ConnectorSpec:
        """The spec of provider `name`; a `ConfigError` naming the known ones otherwise."""
        spec = self._specs.get(name)
        if spec is None:
            known = sorted(self._specs)
            raise ConfigError(
                "provider",
                f"unknown provider {name!r}{did_you_mean(name, known)}; "
                f"known: {', '.join(known) or 'none'}",
            )
        return spec

    def names(self) -> list[str]:
        """Every provider name, sorted."""
        return sorted(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[ConnectorSpec]:
        return iter(self._specs[name] for name in self.names())

    def __len__(self) -> int:
        return len(self._specs)
