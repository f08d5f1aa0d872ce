"""Rule declarations parsed into frozen objects: where a value comes from and what happens to it.

A rule is a path string (`properties.firstname`), or a mapping with exactly
one source (`path`, `expr`, `const`, `object`, `list`) and the options
`transform`, `default`, `required` and (read `path` rules only) `type`: the
JSON type the vendor sends there, which strict mode holds every record to.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jmespath.parser import ParsedResult

from interlink._errors import ConfigError
from interlink.mapping._enums import NO_DEFAULT
from interlink.mapping._expr import compile_expression, fields_read
from interlink.mapping._transform import Context, Direction, Transform
from interlink.mapping._transforms import compile_transforms
from interlink.models import FieldShape
from interlink.models._registry import suggest
from interlink.pagination import BodyPath, compile_path

__all__ = [
    "JSON_TYPES",
    "ConstSource",
    "ExprSource",
    "ListSource",
    "ObjectSource",
    "PathSource",
    "Rule",
    "Source",
    "parse_rule",
]

_SOURCES = ("path", "expr", "const", "object", "list")
_OPTIONS = ("transform", "default", "required", "type")
JSON_TYPES = ("string", "number", "boolean", "object", "array")
"""What `type:` may name: JSON's types (`number` for integers and fractions alike)."""

Keys = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PathSource:
    """One dotted path, or several (`path: [a, b]`) read into a list."""

    paths: tuple[BodyPath, ...]
    many: bool


@dataclass(frozen=True, slots=True)
class ExprSource:
    expression: ParsedResult
    reads: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class ConstSource:
    value: Any


@dataclass(frozen=True, slots=True)
class ObjectSource:
    """Builds an object from sub-rules; null when every non-constant part is null."""

    fields: tuple[tuple[str, Rule], ...]


@dataclass(frozen=True, slots=True)
class ListSource:
    """Builds a list from sub-rules, leaving out the null ones."""

    items: tuple[Rule, ...]


Source = PathSource | ExprSource | ConstSource | ObjectSource | ListSource


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule. `label` names its field in errors; `where` its place in the spec."""

    where: str
    label: str
    source: Source
    transforms: tuple[Transform, ...] = ()
    default: Any = NO_DEFAULT
    required: bool = False
    vendor_type: str | None = None
    """The declared JSON type of the value at the path (`type:`), for strict mode."""

    def reads(self) -> Iterator[Keys]:
        """Every input path this rule reads (expressions: the fields they name)."""
        source = self.source
        if isinstance(source, PathSource):
            yield from (p.keys for p in source.paths)
        elif isinstance(source, ExprSource):
            yield from source.reads
        elif isinstance(source, ObjectSource):
            for _, rule in source.fields:
                yield from rule.reads()
        elif isinstance(source, ListSource):
            for rule in source.items:
                yield from rule.reads()

    def declared_types(self) -> Iterator[tuple[Keys, str]]:
        """Every (path, JSON type) this rule and its parts declare with `type:`."""
        source = self.source
        if self.vendor_type is not None and isinstance(source, PathSource):
            yield from ((p.keys, self.vendor_type) for p in source.paths)
        elif isinstance(source, ObjectSource):
            for _, rule in source.fields:
                yield from rule.declared_types()
        elif isinstance(source, ListSource):
            for rule in source.items:
                yield from rule.declared_types()


def _shape_error(label: str, shapes: Mapping[str, FieldShape], where: str) -> ConfigError:
    parent = label.rpartition(".")[0]
    known = [p.rpartition(".")[2] for p in shapes if p.rpartition(".")[0] == parent]
    name = label.rpartition(".")[2]
    return ConfigError(
        where, f"no field {name!r} here{suggest(name, known)}; expected one of: {', '.join(known)}"
    )


def _item_label(label: str, shapes: Mapping[str, FieldShape] | None, where: str) -> str:
    shape = shapes.get(label) if shapes is not None else None
    if shapes is not None and (shape is None or shape.kind not in ("list", "object_list")):
        raise ConfigError(where, f"'list' builds a list, but {label!r} is not a list field")
    return f"{label}[]"


def _object_label(label: str, key: str, shapes: Mapping[str, FieldShape] | None, where: str) -> str:
    if shapes is None:
        return f"{label}.{key}"
    parent = shapes.get(label)
    if label.endswith("[]"):
        parent = shapes.get(label[:-2])
        if parent is not None and parent.kind != "object_list":
            parent = None
    elif parent is not None and parent.kind != "object":
        parent = None
    if parent is None:
        raise ConfigError(where, f"'object' builds an object, but {label!r} does not hold objects")
    child = f"{label}.{key}"
    if child not in shapes:
        raise _shape_error(child, shapes, f"{where}.{key}")
    return child


def _unmapped_parts(
    label: str, given: Mapping[str, Any], shapes: Mapping[str, FieldShape] | None, where: str
) -> Iterator[tuple[str, Rule]]:
    """Constant empty rules for the parts an object rule leaves out: reads build whole objects."""
    if shapes is None:
        return
    prefix = f"{label}."
    for path, shape in shapes.items():
        key = path[len(prefix) :]
        if path.startswith(prefix) and "." not in key and "[" not in key and key not in given:
            yield key, Rule(where, path, ConstSource(shape.empty))


def _enum_of(label: str, shapes: Mapping[str, FieldShape] | None) -> type[enum.StrEnum] | None:
    if shapes is None:
        return None
    shape = shapes.get(label[:-2] if label.endswith("[]") else label)
    return shape.enum if shape is not None else None


def _source(
    decl: Mapping[str, Any],
    where: str,
    label: str,
    direction: Direction,
    shapes: Mapping[str, FieldShape] | None,
) -> Source:
    given = [k for k in _SOURCES if k in decl]
    if len(given) != 1:
        raise ConfigError(
            where, f"needs exactly one of {', '.join(_SOURCES)}; got {given or 'none'}"
        )
    kind = given[0]
    value, at = decl[kind], f"{where}.{kind}"
    if kind == "path":
        paths = value if isinstance(value, list) else [value]
        if not paths:
            raise ConfigError(at, "needs at least one path")
        compiled = tuple(
            compile_path(p, where=f"{at}[{i}]" if isinstance(value, list) else at)
            for i, p in enumerate(paths)
        )
        return PathSource(compiled, isinstance(value, list))
    if kind == "expr":
        expression = compile_expression(value, where=at)
        return ExprSource(expression, fields_read(expression))
    if kind == "const":
        return ConstSource(value)
    if kind == "object":
        if not isinstance(value, Mapping) or not value:
            raise ConfigError(at, "must be a non-empty mapping of field to rule")
        fields = [
            (
                str(key),
                parse_rule(
                    sub,
                    where=f"{at}.{key}",
                    direction=direction,
                    shapes=shapes,
                    label=_object_label(label, str(key), shapes, at),
                ),
            )
            for key, sub in value.items()
        ]
        return ObjectSource((*fields, *_unmapped_parts(label, value, shapes, at)))
    if not isinstance(value, list) or not value:
        raise ConfigError(at, "must be a non-empty list of rules")
    item = _item_label(label, shapes, at)
    return ListSource(tuple(
        parse_rule(sub, where=f"{at}[{i}]", label=item, direction=direction, shapes=shapes)
        for i, sub in enumerate(value)
    ))  # fmt: skip


def parse_rule(
    declaration: Any,
    *,
    where: str,
    label: str,
    direction: Direction,
    shapes: Mapping[str, FieldShape] | None,
    enum: type[enum.StrEnum] | None = None,
) -> Rule:
    """Parse one rule. With `shapes` (reads), nested targets are checked against the model."""
    if isinstance(declaration, str):
        return Rule(where, label, PathSource((compile_path(declaration, where=where),), False))
    if not isinstance(declaration, Mapping):
        raise ConfigError(
            where, "must be a path string or a mapping with one of: " + ", ".join(_SOURCES)
        )
    for key in declaration:
        if key not in _SOURCES and key not in _OPTIONS:
            raise ConfigError(
                f"{where}.{key}",
                f"unknown key{suggest(str(key), _SOURCES + _OPTIONS)}; "
                f"expected one of: {', '.join(_SOURCES + _OPTIONS)}",
            )
    required = declaration.get("required", False)
    if not isinstance(required, bool):
        raise ConfigError(f"{where}.required", "must be true or false")
    vendor_type = declaration.get("type")
    if vendor_type is not None:
        if direction != "read" or "path" not in declaration:
            raise ConfigError(
                f"{where}.type", "declares the vendor's JSON type at a path: read path rules only"
            )
        if vendor_type not in JSON_TYPES:
            raise ConfigError(
                f"{where}.type",
                f"unknown JSON type {vendor_type!r}{suggest(str(vendor_type), JSON_TYPES)}; "
                f"expected one of: {', '.join(JSON_TYPES)}",
            )
    context = Context(f"{where}.transform", direction, enum or _enum_of(label, shapes))
    return Rule(
        where,
        label,
        _source(declaration, where, label, direction, shapes),
        compile_transforms(declaration.get("transform"), context),
        declaration.get("default", NO_DEFAULT),
        required,
        vendor_type,
    )
