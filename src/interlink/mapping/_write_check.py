"""Checking a write before any I/O: every field known, writable, mapped and of the right type.

The REST API's body and the Python client's `create`/`update` go through the
same check (the body class is `interlink.models.write_body`), so a typo, a
read-only field, a field the connector has no write rule for, or a value of
the wrong type is refused here, naming the provider, resource and field,
instead of being dropped or reaching the vendor as an anonymous 400.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import pydantic

from interlink._errors import ConfigError
from interlink.mapping._transform import type_name
from interlink.models import READ_ONLY_FIELDS, UnifiedRecord, model_for, write_body
from interlink.models._registry import suggest

__all__ = ["InvalidWriteError", "checked_write"]


class InvalidWriteError(ConfigError):
    """A write that cannot be sent as given. `where` is `provider.resource.field`."""

    def __init__(self, provider: str, resource: str, field: str, problem: str) -> None:
        self.provider, self.resource, self.field = provider, resource, field
        super().__init__(f"{provider}.{resource}.{field}", problem)


def _values(values: object, provider: str, resource: str) -> dict[str, Any]:
    if isinstance(values, UnifiedRecord):
        # An instance describes a record: its provenance is not a value to write.
        dumped = values.model_dump(exclude_unset=True)
        return {k: v for k, v in dumped.items() if k not in READ_ONLY_FIELDS}
    if not isinstance(values, Mapping):
        raise InvalidWriteError(
            provider,
            resource,
            "values",
            f"must be a mapping of unified field to value or a model instance, "
            f"not {type_name(values)}",
        )
    return dict(values)


def checked_write(
    values: object, *, model: str, provider: str, resource: str, writable: Collection[str]
) -> dict[str, Any]:
    """`values` validated for a write of `model` through a mapping that writes `writable`
    (top-level unified fields), as the values the write rules read; else `InvalidWriteError`."""
    given = _values(values, provider, resource)
    fields = model_for(model).model_fields
    for key in given:
        name = str(key)
        if not isinstance(key, str) or key not in fields:
            known = [f for f in fields if f not in READ_ONLY_FIELDS]
            raise InvalidWriteError(
                provider,
                resource,
                name,
                f"{model} has no field {name!r}{suggest(name, known)}; "
                f"writable fields: {', '.join(known)}",
            )
        if key in READ_ONLY_FIELDS:
            raise InvalidWriteError(
                provider, resource, key, "is set by Interlink or the vendor, never written"
            )
        if key not in writable:
            can = ", ".join(f for f in fields if f in writable) or "nothing"
            raise InvalidWriteError(
                provider,
                resource,
                key,
                f"{provider} cannot write it: the {resource} write mapping sets only {can}",
            )
    try:
        body = write_body(model).model_validate(given)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidWriteError(
            provider,
            resource,
            where,
            f"{first['msg'][0].lower()}{first['msg'][1:]} (got {type_name(first.get('input'))})",
        ) from None
    return body.model_dump(exclude_unset=True)
