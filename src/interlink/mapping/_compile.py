"""`compile_mapping`: a resource's `read`, `write` and `custom_fields`, compiled once."""

from __future__ import annotations

from typing import Any

from interlink.mapping._compiled import CompiledMapping
from interlink.mapping._read import compile_read
from interlink.mapping._write import compile_write
from interlink.models import model_for

__all__ = ["compile_mapping"]


def compile_mapping(
    model: str,
    *,
    read: Any,
    write: Any = None,
    custom_fields: Any = None,
    provider: str,
    resource: str,
    where: str | None = None,
) -> CompiledMapping:
    """Compile the mapping of one resource from plain data (what YAML gives).

    Every problem is a `ConfigError` raised here, never at the first record,
    naming its place: `where` prefixes it (default `resources.<resource>`), so
    a bad enum value reads `resources.contacts.read.lifecycle_stage.transform.enum.lead`.
    """
    at = f"resources.{resource}" if where is None else where
    unified = model_for(model, where=f"{at}.model")
    read_function, read_source = compile_read(
        read, custom_fields, model=model, provider=provider, resource=resource, where=at
    )
    write_function, write_source = (
        compile_write(write, model=model, provider=provider, resource=resource, where=at)
        if write is not None
        else (None, None)
    )
    return CompiledMapping(
        unified, provider, resource, read_function, read_source, write_function, write_source
    )
