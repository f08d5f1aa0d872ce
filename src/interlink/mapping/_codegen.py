"""Generating the Python source of a compiled mapping, the way attrs and cattrs do.

A mapping runs once per record, so its rules are turned into one straight
function: each path step is an inline `dict.get`, each shared prefix
(`properties`) is looked up once, and each transform is a direct call of a
bound constant. No declaration value is ever pasted into the source: keys
and labels go in as `repr()` literals of strings, everything else is bound
by name in the function's namespace.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from interlink.mapping._enums import NO_DEFAULT
from interlink.mapping._rules import (
    ConstSource,
    ExprSource,
    Keys,
    ListSource,
    ObjectSource,
    PathSource,
    Rule,
)
from interlink.mapping._transform import TransformError

__all__ = ["Emitter", "index_step"]


def index_step(value: Any, key: int) -> Any:
    """`items[3]`: a list's item, or an object's `"3"` (as `BodyPath` reads it); else null."""
    if isinstance(value, list):
        return value[key] if -len(value) <= key < len(value) else None
    if isinstance(value, dict):
        return value.get(str(key))
    return None


def _missing(value: Any) -> None:
    raise TransformError("is required, but missing or null", value)


class Emitter:
    """Writes the body of one generated function and binds the constants it uses."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"_index": index_step, "_missing": _missing}
        self._count = 0
        self._cached: dict[tuple[str, Keys], str] = {}
        self._depth = 1

    def bind(self, value: Any, stem: str = "_k") -> str:
        name = self.fresh(stem)
        self.namespace[name] = value
        return name

    def fresh(self, stem: str = "_v") -> str:
        self._count += 1
        return f"{stem}{self._count}"

    def line(self, text: str) -> None:
        self.lines.append("    " * self._depth + text)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        """An indented block; lookups cached inside it are forgotten after it."""
        self.line(header)
        saved, self._depth = dict(self._cached), self._depth + 1
        try:
            yield
        finally:
            self._cached, self._depth = saved, self._depth - 1

    def path(self, root: str, keys: Keys, *, root_is_dict: bool = True) -> str:
        """Emit the lookups of `keys` under `root` (shared prefixes once); the result's name."""
        current = root
        for i, key in enumerate(keys):
            prefix = (root, keys[: i + 1])
            cached = self._cached.get(prefix)
            if cached is not None:
                current = cached
                continue
            name = self.fresh()
            if isinstance(key, int):
                self.line(f"{name} = _index({current}, {key!r})")
            elif i == 0 and root_is_dict:
                self.line(f"{name} = {current}.get({key!r})")
            else:
                self.line(
                    f"{name} = {current}.get({key!r}) if isinstance({current}, dict) else None"
                )
            self._cached[prefix] = current = name
        return current

    def value(self, rule: Rule, root: str) -> str:
        """Emit one rule evaluated against `root`; the name holding its result.

        The name may be a shared lookup: callers never assign to it.
        """
        source = rule.source
        if isinstance(source, ObjectSource | ListSource):
            name = (
                self._object(source, root)
                if isinstance(source, ObjectSource)
                else self._list(source, root)
            )
            self.line(f"_f = {rule.label!r}")  # after the parts, which set their own labels
        else:
            self.line(f"_f = {rule.label!r}")
            name = self._plain(source, root)
        if not (rule.transforms or rule.default is not NO_DEFAULT or rule.required):
            return name
        result = self.fresh()
        self.line(f"{result} = {name}")
        for transform in rule.transforms:
            call = f"{result} = {self.bind(transform.apply, '_t')}({result})"
            self.line(call if transform.null_aware else f"if {result} is not None: {call}")
        if rule.default is not NO_DEFAULT:
            self.line(f"if {result} is None: {result} = {self.literal(rule.default)}")
        if rule.required:
            self.line(f"if {result} is None: _missing({result})")
        return result

    def _plain(self, source: PathSource | ExprSource | ConstSource, root: str) -> str:
        if isinstance(source, PathSource):
            found = [self.path(root, p.keys) for p in source.paths]
            if not source.many:
                return found[0]
            name = self.fresh()
            self.line(f"{name} = [{', '.join(found)}]")
            return name
        name = self.fresh()
        if isinstance(source, ExprSource):
            self.line(f"{name} = {self.bind(source.expression.search, '_x')}({root})")
        else:
            self.line(f"{name} = {self.literal(source.value)}")
        return name

    def literal(self, value: Any) -> str:
        """A name for a constant; containers are deep-copied on each use, never shared."""
        if isinstance(value, list | dict):
            return f"{self.bind(copy.deepcopy, '_copy')}({self.bind(value)})"
        return self.bind(value)

    def _object(self, source: ObjectSource, root: str) -> str:
        parts = [(key, self.value(rule, root), rule) for key, rule in source.fields]
        name = self.fresh()
        literal = "{" + ", ".join(f"{key!r}: {part}" for key, part, _ in parts) + "}"
        read = [part for _, part, rule in parts if not isinstance(rule.source, ConstSource)]
        if read:
            self.line(
                f"{name} = None if {' and '.join(f'{p} is None' for p in read)} else {literal}"
            )
        else:
            self.line(f"{name} = {literal}")
        return name

    def _list(self, source: ListSource, root: str) -> str:
        items = [self.value(rule, root) for rule in source.items]
        name = self.fresh()
        self.line(f"{name} = [_i for _i in ({', '.join(items)},) if _i is not None]")
        return name

    def function(self, name: str, parameters: str) -> tuple[Callable[..., Any], str]:
        """Compile the emitted body into a function; returns it with its source."""
        source = f"def {name}({parameters}):\n" + "\n".join(self.lines) + "\n"
        code = compile(source, f"<interlink mapping {name}>", "exec")
        exec(code, self.namespace)  # noqa: S102 - our own generated source, see the module doc
        return self.namespace[name], source
