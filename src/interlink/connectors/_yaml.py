"""YAML composed with PyYAML's node API, keeping the line of every path in the document.

`parse_yaml` returns the plain data (what `yaml.safe_load` would) and a
`LineIndex` that answers "which line is `resources.contacts.read.fist_name`
on?". A mapping key's line is where the key is written; a list item's line
is where the item starts. Duplicate keys, which `safe_load` would silently
collapse, are problems.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["LineIndex", "Path", "YamlProblem", "format_path", "parse_yaml"]

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """A YAML-level problem (syntax, duplicate key) at a line and path."""

    line: int | None
    path: Path
    message: str


@dataclass(slots=True)
class LineIndex:
    """Path -> 1-based line, with the data to resolve dotted `where` strings against."""

    data: Any = None
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor that is written in the file."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None

    def locate(self, where: str) -> Path:
        """The path a dotted `where` (`resources.contacts.write.properties.firstname`) names.

        Keys may themselves hold dots (a write mapping's `properties.firstname`),
        so each step takes the longest key of the current mapping that matches.
        """
        path: list[str | int] = []
        node, rest = self.data, where
        while rest:
            if rest.startswith("["):
                match = re.match(r"\[(\d+)\]\.?", rest)
                if match is None:
                    break
                path.append(int(match[1]))
                node = node[int(match[1])] if _has_index(node, int(match[1])) else None
                rest = rest[match.end() :]
                continue
            key = _longest_key(node, rest) if isinstance(node, Mapping) else None
            if key is None:
                key = re.split(r"[.\[]", rest, maxsplit=1)[0]
                node = None
            else:
                node = node[key]
            path.append(key)
            rest = rest[len(key) :].removeprefix(".")
        return tuple(path)


def _has_index(node: Any, index: int) -> bool:
    return isinstance(node, list) and index < len(node)


def _longest_key(node: Mapping[Any, Any], rest: str) -> str | None:
    best: str | None = None
    for key in node:
        text = str(key)
        fits = rest == text or rest.startswith((text + ".", text + "["))
        if fits and (best is None or len(text) > len(best)):
            best = text
    return best


def format_path(path: Path) -> str:
    """`resources.contacts.list.params` / `rate_limits[0].limit`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_yaml(text: str) -> tuple[Any, LineIndex, list[YamlProblem]]:
    """The document's data, its line index, and any YAML-level problems."""
    index = LineIndex()
    problems: list[YamlProblem] = []
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problems.append(YamlProblem(line, (), f"invalid YAML: {exc.problem or exc}"))
        return None, index, problems
    except yaml.YAMLError as exc:
        problems.append(YamlProblem(None, (), f"invalid YAML: {exc}"))
        return None, index, problems
    finally:
        loader.dispose()
    if node is None:
        return None, index, problems
    data = _build(loader, node, (), index, problems)
    index.data = data
    return data, index, problems


def _build(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: Path,
    index: LineIndex,
    problems: list[YamlProblem],
) -> Any:
    index.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves `<<:` merge keys
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                line = key_node.start_mark.line + 1
                problems.append(YamlProblem(line, path, "mapping keys must be strings"))
                continue
            key = (
                key
                if isinstance(key, str)
                else str(key).lower()
                if isinstance(key, bool)
                else str(key)
            )
            child = (*path, key)
            if key in out:
                line = key_node.start_mark.line + 1
                problems.append(YamlProblem(line, child, "duplicate key (YAML keeps only one)"))
                continue
            index.lines[child] = key_node.start_mark.line + 1
            out[key] = _build(loader, value_node, child, index, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, item, (*path, i), index, problems) for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)
