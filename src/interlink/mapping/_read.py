"""Compiling a read mapping (vendor record -> unified record dict) into one generated function.

The function returns a plain dict holding every field of the model, in the
model's order: mapped fields, the model's empty value (None, [], False) for
the unmapped ones, and the provenance Interlink fills itself. Validating it
into the pydantic model is a separate, optional step (`CompiledMapping.validate`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from hashlib import sha1
from typing import Any

from jmespath.exceptions import JMESPathError

from interlink._errors import ConfigError
from interlink.mapping._codegen import Emitter
from interlink.mapping._coerce import to_str
from interlink.mapping._custom import CustomFields, emit_custom_fields, parse_custom_fields
from interlink.mapping._enums import NO_DEFAULT
from interlink.mapping._failure import failure, not_an_object
from interlink.mapping._problems import Problems
from interlink.mapping._rules import Keys, Rule, parse_rule
from interlink.mapping._strict import declared_types
from interlink.mapping._transform import TransformError
from interlink.models import (
    PROVENANCE_FIELDS,
    RECORD_NAMESPACE,
    FieldShape,
    field_shapes,
    model_for,
)
from interlink.models._registry import suggest

__all__ = ["CompiledRead", "ReadFunction", "compile_read"]

ReadFunction = Callable[[Any, str], dict[str, Any]]


_NAMESPACED = sha1(RECORD_NAMESPACE.bytes, usedforsecurity=False)


def uuid5_text(name: str) -> str:
    """`str(uuid.uuid5(RECORD_NAMESPACE, name))`, without building a UUID: the namespace is
    hashed once, and the version and variant bits are set on the digest directly."""
    digest = _NAMESPACED.copy()
    digest.update(name.encode())
    b = bytearray(digest.digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50
    b[8] = (b[8] & 0x3F) | 0x80
    x = b.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


@dataclass(frozen=True, slots=True)
class CompiledRead:
    """The generated function, its source, and what it reads (for drift detection)."""

    function: ReadFunction
    source: str
    reads: tuple[Keys, ...]
    """Every record path a rule reads."""
    objects: tuple[Keys, ...]
    """The objects custom fields are taken from."""
    customs: tuple[CustomFields, ...] = ()
    types: tuple[tuple[Keys, str], ...] = ()
    """The vendor JSON types rules declare (`type:`) or imply, for strict mode."""


def _rule(target: Any, decl: Any, shapes: Mapping[str, FieldShape], where: str) -> Rule:
    at = f"{where}.{target}"
    top = [path for path in shapes if "." not in path and "[" not in path]
    if target in PROVENANCE_FIELDS:
        raise ConfigError(at, f"{target!r} is filled by Interlink, not mapped")
    if target not in top:
        mappable = [t for t in top if t not in PROVENANCE_FIELDS]
        raise ConfigError(
            at,
            f"the model has no field {target!r}{suggest(str(target), mappable)}; "
            f"expected one of: {', '.join(mappable)}",
        )
    rule = parse_rule(decl, where=at, label=target, direction="read", shapes=shapes)
    enum = shapes[target].enum
    if enum is not None and rule.default is not NO_DEFAULT and rule.default not in enum.__members__:
        raise ConfigError(f"{at}.default", f"{rule.default!r} is not a {enum.__name__} value")
    return rule


def _rules(
    declaration: Any, shapes: Mapping[str, FieldShape], where: str, problems: Problems
) -> list[Rule]:
    if not isinstance(declaration, Mapping):
        raise ConfigError(where, "must be a mapping of unified field to rule")
    rules = []
    for target, decl in declaration.items():
        rule = problems.run(lambda t=target, d=decl: _rule(t, d, shapes, where))  # type: ignore[misc]
        if rule is not None:
            rules.append(rule)
    if "remote_id" not in declaration:
        problems.found.append(
            ConfigError(f"{where}.remote_id", "is required: the path of the vendor's id")
        )
    rules.sort(key=lambda r: r.label != "remote_id")  # first, so every error can name the record
    return rules


def compile_read(
    declaration: Any,
    custom_fields: Any,
    *,
    model: str,
    provider: str,
    resource: str,
    where: str,
) -> CompiledRead:
    """Compile `read:` and `custom_fields:`, reporting every problem of both at once."""
    shapes = field_shapes(model)
    problems = Problems()
    rules = problems.run(lambda: _rules(declaration, shapes, f"{where}.read", problems)) or []
    reads = tuple(keys for rule in rules for keys in rule.reads())
    customs = problems.run(
        lambda: parse_custom_fields(custom_fields, where=f"{where}.custom_fields", mapped=reads)
    )
    problems.raise_any()
    assert customs is not None
    em = Emitter()
    em.namespace.update(
        _TransformError=TransformError,
        _JMESPathError=JMESPathError,
        _fail=failure(provider, resource),
        _not_object=not_an_object(provider, resource),
        _record_id=uuid5_text,
        _to_str=to_str,
    )
    em.line("if not isinstance(rec, dict): raise _not_object(rec, connection_id)")
    em.line("_f = rid = None")
    values: dict[str, str] = {}
    with em.block("try:"):
        for rule in rules:
            name = em.value(rule, "rec")
            empty = shapes[rule.label].empty
            if empty is not None:  # a list or flag the vendor left null is empty, not null
                filled = em.fresh()
                em.line(f"{filled} = {em.literal(empty)} if {name} is None else {name}")
                name = filled
            if rule.label == "remote_id":
                em.line(f"if {name} is None: _missing({name})")
                em.line(f"rid = {name} if {name}.__class__ is str else _to_str({name})")
                name = "rid"
            values[rule.label] = name
        custom = emit_custom_fields(em, customs, "rec")
    with em.block("except (_TransformError, _JMESPathError) as exc:"):
        em.line("raise _fail(exc, _f, rid, connection_id) from None")
    suffix = em.bind(f"/{model}/")
    fields = {
        "id": f"_record_id(connection_id + {suffix} + rid)",
        "provider": em.bind(provider),
        "connection_id": "connection_id",
        "remote_data": "rec",
        "custom_fields": custom,
    }
    out = []
    for path, shape in shapes.items():
        if "." in path or "[" in path:
            continue
        if path in fields:
            out.append(f"{path!r}: {fields[path]}")
        elif path in values:
            out.append(f"{path!r}: {values[path]}")
        else:
            out.append(f"{path!r}: {em.literal(shape.empty)}")
    em.line("return {" + ", ".join(out) + "}")
    function, source = em.function("read", "rec, connection_id")
    return CompiledRead(
        function,
        source,
        reads,
        tuple(c.source.keys for c in customs),
        customs,
        declared_types(rules, model_for(model)),
    )
