"""Loading connector specs from YAML files: every problem, with file and line, or a spec.

```python
spec = load_spec("specs/acme.yaml")          # ConnectorSpec, or SpecError listing every problem
problems = validate_path("specs/")           # [] when every spec in the folder is valid
```
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from interlink.connectors._collect import Collector
from interlink.connectors._compile import compile_spec
from interlink.connectors._problems import SpecError, SpecProblem
from interlink.connectors._spec import ConnectorSpec
from interlink.connectors._yaml import format_path, parse_yaml

__all__ = ["load_spec", "load_spec_text", "spec_files", "validate_path"]


def load_spec_text(
    text: str, *, file: str = "<string>", source: Path | None = None
) -> ConnectorSpec:
    """Compile a spec from YAML text; `file` names it in problems."""
    data, index, yaml_problems = parse_yaml(text)
    collect = Collector(file, index)
    collect.problems.extend(
        SpecProblem(file, p.line, format_path(p.path), p.message) for p in yaml_problems
    )
    if data is None and yaml_problems:
        raise SpecError(collect.problems)
    return compile_spec(data, collect, source=source)


def load_spec(path: str | Path) -> ConnectorSpec:
    """Load one spec file; `SpecError` lists every problem (and nothing is loaded)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(
            [SpecProblem(str(path), None, "", f"cannot read the file: {exc}")]
        ) from None
    return load_spec_text(text, file=str(path), source=file)


def spec_files(path: str | Path) -> Iterator[Path]:
    """The spec files of `path`: the file itself, or every *.yaml / *.yml below a folder."""
    root = Path(path)
    if root.is_dir():
        yield from sorted(
            p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
        )
    else:
        yield root


def validate_path(path: str | Path) -> tuple[list[ConnectorSpec], list[SpecProblem]]:
    """Load every spec of a file or folder: the valid ones, and every problem of the others.

    Two specs declaring the same provider are a problem of the second one.
    """
    specs: list[ConnectorSpec] = []
    problems: list[SpecProblem] = []
    seen: dict[str, Path | None] = {}
    files = list(spec_files(path))
    if not files:
        problems.append(
            SpecProblem(str(path), None, "", "no connector specs (*.yaml, *.yml) found")
        )
    for file in files:
        try:
            spec = load_spec(file)
        except SpecError as exc:
            problems.extend(exc.problems)
            continue
        if spec.provider in seen:
            problems.append(duplicate_problem(spec, seen[spec.provider]))
            continue
        seen[spec.provider] = spec.source
        specs.append(spec)
    return specs, problems


def duplicate_problem(spec: ConnectorSpec, first: Path | str | None) -> SpecProblem:
    """The problem of a spec whose provider name is already taken (by `first`)."""
    line = None
    if spec.source is not None:
        text = spec.source.read_text(encoding="utf-8")
        line = next(
            (i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("provider:")), None
        )
    return SpecProblem(
        str(spec.source or "<string>"),
        line,
        "provider",
        f"provider {spec.provider!r} is already declared by {first}; a spec never replaces another",
    )
