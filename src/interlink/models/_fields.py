"""The field paths of a model, for declarations to be checked against.

A path names a field the way a mapping targets it: `first_name` for a
top-level field, `home_address.city` inside a nested object, and
`email_addresses[].email_address` inside every item of a list of objects.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from interlink.models._registry import model_for

__all__ = ["PROVENANCE_FIELDS", "FieldShape", "field_shapes", "model_fields", "unwrap"]

PROVENANCE_FIELDS = frozenset({"id", "provider", "connection_id", "remote_data", "custom_fields"})
"""Fields Interlink fills itself; a mapping may not target them."""

FieldKind = Literal["scalar", "object", "list", "object_list"]


@dataclass(frozen=True, slots=True)
class FieldShape:
    """What one field path holds: its kind, its enum (if any) and its value when unmapped."""

    path: str
    kind: FieldKind
    enum: type[enum.StrEnum] | None
    required: bool
    default: Any = None

    @property
    def empty(self) -> Any:
        """The value a record has when nothing was mapped here: the model's default, else None."""
        if self.kind in ("list", "object_list"):
            return []
        return dict(self.default) if isinstance(self.default, dict) else self.default


def unwrap(annotation: Any) -> Any:
    """The annotation without `Annotated[...]` and without `| None`."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return unwrap(rest[0])
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _enum_of(annotation: Any) -> type[enum.StrEnum] | None:
    if isinstance(annotation, type) and issubclass(annotation, enum.StrEnum):
        return annotation
    return None


def _walk(model: type[BaseModel], prefix: str) -> Iterator[FieldShape]:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = unwrap(info.annotation)
        required = info.is_required()
        default = None if required else info.get_default(call_default_factory=True)
        if get_origin(annotation) is list:
            item = unwrap(get_args(annotation)[0])
            if _is_model(item):
                yield FieldShape(path, "object_list", None, required, default)
                yield from _walk(item, f"{path}[].")
            else:
                yield FieldShape(path, "list", _enum_of(item), required, default)
        elif _is_model(annotation):
            yield FieldShape(path, "object", None, required, default)
            yield from _walk(annotation, f"{path}.")
        else:
            yield FieldShape(path, "scalar", _enum_of(annotation), required, default)


@cache
def field_shapes(name: str) -> Mapping[str, FieldShape]:
    """Every field path of the model `name`, with its shape, in declaration order."""
    return types.MappingProxyType({s.path: s for s in _walk(model_for(name), "")})


def model_fields(name: str) -> frozenset[str]:
    """Every field path of the model `name` (`first_name`, `email_addresses[].email_address`)."""
    return frozenset(field_shapes(name))
