"""Compiling a write mapping (unified fields -> vendor body) into one generated function.

Keys are vendor body paths (`properties.firstname`); rules read the unified
fields. A rule runs only when a field it reads was given, so a PATCH built
from the changed fields sends only those (a field given as null is sent as
null: that is how a value is cleared). Constant rules always run.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any

from jmespath.exceptions import JMESPathError

from interlink._errors import ConfigError
from interlink.mapping._codegen import Emitter
from interlink.mapping._failure import failure
from interlink.mapping._problems import Problems
from interlink.mapping._rules import Keys, Rule, parse_rule
from interlink.mapping._transform import TransformError
from interlink.models import FieldShape, field_shapes
from interlink.models._registry import suggest
from interlink.pagination import compile_path

__all__ = ["WriteFunction", "compile_write"]

WriteFunction = Callable[[Mapping[str, Any], str | None, str | None], dict[str, Any]]


def field_path(keys: Keys) -> str:
    """`("email_addresses", 0, "email_address")` -> `email_addresses[].email_address`."""
    out = ""
    for key in keys:
        out += "[]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def _source_enum(decl: Any, shapes: Mapping[str, FieldShape]) -> type[enum.StrEnum] | None:
    path = (
        decl if isinstance(decl, str) else decl.get("path") if isinstance(decl, Mapping) else None
    )
    if not isinstance(path, str):
        return None
    shape = shapes.get(field_path(compile_path(path, where="").keys))
    return shape.enum if shape is not None else None


def _check_reads(rule: Rule, shapes: Mapping[str, FieldShape]) -> None:
    top = [p for p in shapes if "." not in p and "[" not in p]
    for keys in rule.reads():
        name = field_path(keys)
        if name not in shapes:
            raise ConfigError(
                rule.where,
                f"reads {name!r}, which the model does not have{suggest(name, shapes)}; "
                f"top-level fields: {', '.join(top)}",
            )


def _rules(
    declaration: Any, shapes: Mapping[str, FieldShape], where: str
) -> list[tuple[Keys, Rule]]:
    if not isinstance(declaration, Mapping):
        raise ConfigError(where, "must be a mapping of vendor body path to rule")
    out: list[tuple[Keys, Rule]] = []
    problems = Problems()
    for target, decl in declaration.items():
        found = problems.run(lambda t=target, d=decl: _target(t, d, shapes, where, out))  # type: ignore[misc]
        if found is not None:
            out.append(found)
    problems.raise_any()
    return out


def _target(
    target: Any,
    decl: Any,
    shapes: Mapping[str, FieldShape],
    where: str,
    earlier: list[tuple[Keys, Rule]],
) -> tuple[Keys, Rule]:
    at = f"{where}.{target}"
    keys = compile_path(str(target), where=at).keys
    if not keys or any(isinstance(k, int) for k in keys):
        raise ConfigError(at, "a write target is a dotted path of object keys, without indexes")
    enum = _source_enum(decl, shapes)
    rule = parse_rule(decl, where=at, label=str(target), direction="write", shapes=None, enum=enum)
    _check_reads(rule, shapes)
    for other, _ in earlier:
        shorter, longer = sorted((keys, other), key=len)
        if longer[: len(shorter)] == shorter:
            raise ConfigError(at, f"clashes with another target: {'.'.join(map(str, other))}")
    return keys, rule


def compile_write(
    declaration: Any, *, model: str, provider: str, resource: str, where: str
) -> tuple[WriteFunction, str, frozenset[str]]:
    """Compile `write:`; returns the function, its generated source and the top-level
    unified fields its rules read (what a write may set)."""
    shapes = field_shapes(model)
    rules = _rules(declaration, shapes, f"{where}.write")
    em = Emitter()
    em.namespace.update(
        _TransformError=TransformError,
        _JMESPathError=JMESPathError,
        _fail=failure(provider, resource),
    )
    em.line("out = {}")
    em.line("_f = None")
    with em.block("try:"):
        for keys, rule in rules:
            roots = sorted({str(k[0]) for k in rule.reads() if k})
            given = " and ".join(f"{root!r} in src" for root in roots) or "True"
            with em.block(f"if {given}:"):
                name = em.value(rule, "src")
                place = "out" + "".join(f".setdefault({k!r}, {{}})" for k in keys[:-1])
                em.line(f"{place}[{keys[-1]!r}] = {name}")
    with em.block("except (_TransformError, _JMESPathError) as exc:"):
        em.line("raise _fail(exc, _f, remote_id, connection_id) from None")
    em.line("return out")
    writable = frozenset(str(keys[0]) for _, rule in rules for keys in rule.reads() if keys)
    return (*em.function("write", "src, connection_id, remote_id"), writable)
