"""Strict mode: every record, the first one included, held to what the mapping declares.

A drift detector compares records with a baseline taken from the first one,
so a field or a type that is wrong from the start would pass. Strict mode
judges each record against the declaration instead. A field of the record
(or of an object the mapping reads into, or takes custom fields from) must be

- read by a rule, or an object rules read into;
- declared as a custom field: matched by a source's `keys` pattern, listed in
  its `fields` or `exclude`, or under a source without `keys` and `fields`
  whose object no rule reads into (Stripe's `metadata`: every key is the
  customer's own); a catch-all source on the record itself or on an object
  rules read (HubSpot's `properties`) declares only what it lists, or every
  new vendor field would pass as a custom field;
- or ignored: listed in the resource's `ignore` (a path covers what is under it).

Its JSON type must be the one declared with `type:` on the rule reading it, or
implied by the model field a plain path fills (`string` for text and times,
`number`, `boolean`); null is always accepted. The verdict is cached per
record shape, as the drift detector does.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from interlink._errors import MappingError
from interlink.mapping._custom import CustomFields
from interlink.mapping._drift import (
    field_of,
    profile_fields,
    profiled_objects,
    signature_function,
)
from interlink.mapping._rules import Keys, PathSource, Rule
from interlink.models import UnifiedRecord
from interlink.models._fields import unwrap

__all__ = ["StrictChecker", "StrictDeclaration", "declared_types"]

_CACHE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class StrictDeclaration:
    """What a mapping declares about the vendor's records, for strict mode."""

    reads: tuple[Keys, ...] = ()
    customs: tuple[CustomFields, ...] = ()
    ignore: tuple[Keys, ...] = ()
    types: tuple[tuple[Keys, str], ...] = ()


def _implied(annotation: Any) -> str | None:
    """The JSON type a vendor value must have to fill a field of this type untransformed."""
    kind = unwrap(annotation)
    if not isinstance(kind, type) or issubclass(kind, Decimal):
        return None  # exact amounts come as strings or numbers, as vendors choose
    if issubclass(kind, bool):
        return "boolean"
    if issubclass(kind, int | float):
        return "number"
    if issubclass(kind, str | enum.Enum | dt.date):  # datetime is a date
        return "string"
    return None


def declared_types(
    rules: Iterable[Rule], model: type[UnifiedRecord]
) -> tuple[tuple[Keys, str], ...]:
    """Each (path, JSON type) the rules declare with `type:`, or imply: a plain one-path rule
    without a transform filling a scalar field of the model."""
    found: list[tuple[Keys, str]] = []
    for rule in rules:
        declared = list(rule.declared_types())
        found += declared
        source = rule.source
        if declared or rule.transforms or not isinstance(source, PathSource) or source.many:
            continue
        if rule.label == "remote_id":  # read as text whatever its JSON type (ids are numbers too)
            continue
        info = model.model_fields.get(rule.label)
        implied = _implied(info.annotation) if info is not None else None
        if implied is not None:
            found.append((source.paths[0].keys, implied))
    return tuple(found)


class StrictChecker:
    """Judges records of one resource against its declaration; `check` raises `MappingError`
    naming the first field that is undeclared or of another type."""

    __slots__ = (
        "_customs",
        "_expected",
        "_ignored",
        "_nested",
        "_objects",
        "_provider",
        "_resource",
        "_seen",
        "_signature",
        "_types",
    )  # fmt: skip

    def __init__(self, declaration: StrictDeclaration, *, provider: str, resource: str) -> None:
        reads = tuple(keys for keys in declaration.reads if keys)
        objects = tuple(c.source.keys for c in declaration.customs)
        self._nested = nested = profiled_objects(reads, objects)
        self._expected = frozenset(field_of(keys, nested) for keys in reads)
        self._objects = frozenset(".".join(path) for path in nested)
        read_into = {
            ".".join(path) for keys in reads for path in nested if keys[: len(path)] == path
        }
        self._ignored = tuple(".".join(str(k) for k in keys) for keys in declaration.ignore)
        self._customs = tuple(
            (
                ".".join(str(k) for k in c.source.keys),
                c,
                # A catch-all on an object of its own declares every key there.
                c.keys is None and not c.fields - c.exclude and bool(c.source.keys)
                and ".".join(str(k) for k in c.source.keys) not in read_into,
            )
            for c in declaration.customs
        )  # fmt: skip
        self._types: Mapping[str, str] = {
            ".".join(str(k) for k in keys): kind
            for keys, kind in declaration.types
            if all(isinstance(k, str) for k in keys)
            and field_of(keys, nested) == ".".join(str(k) for k in keys)
        }
        self._signature = signature_function(nested)
        self._provider, self._resource = provider, resource
        self._seen: dict[object, tuple[str, str, str] | None] = {}

    def check(self, record: Any, *, connection_id: str | None = None) -> None:
        """Raise `MappingError` for a record that breaks the declaration (objects only: the
        mapping reports a record that is not one)."""
        if record.__class__ is not dict:
            return
        signature = self._signature(record)
        if signature in self._seen:
            found = self._seen[signature]
        else:
            found = self._judge(record)
            if len(self._seen) >= _CACHE_LIMIT:
                self._seen.clear()
            self._seen[signature] = found
        if found is not None:
            field, problem, value_type = found
            raise MappingError(
                f"strict mode refuses it: {problem}",
                provider=self._provider,
                resource=self._resource,
                connection_id=connection_id,
                field=field,
                value_type=value_type,
            )

    def _judge(self, record: dict[str, Any]) -> tuple[str, str, str] | None:
        for name, kind in profile_fields(record, self._nested).items():
            if not self._declared(name):
                return (
                    name,
                    f"a field the mapping neither reads, declares as a custom field nor ignores "
                    f"({kind})",
                    kind,
                )
            expected = self._types.get(name)
            if expected is not None and kind not in (expected, "null"):
                return name, f"expected {expected}, got {kind}", kind
        return None

    def _declared(self, name: str) -> bool:
        if name in self._expected or name in self._objects:
            return True
        if any(name == path or name.startswith(path + ".") for path in self._ignored):
            return True
        for prefix, custom, catch_all in self._customs:
            if prefix:
                if not name.startswith(prefix + "."):
                    continue
                key = name[len(prefix) + 1 :]
            else:
                key = name
            if "." in key:
                continue
            if catch_all or key in custom.fields:
                return True
            if custom.keys is not None and custom.keys.search(key):
                return True
        return False
