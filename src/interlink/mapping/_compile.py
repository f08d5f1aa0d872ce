"""`compile_mapping`: a resource's `read`, `write` and `custom_fields`, compiled once."""

from __future__ import annotations

from typing import Any

from interlink._errors import ConfigError
from interlink.mapping._compiled import CompiledMapping
from interlink.mapping._problems import Problems
from interlink.mapping._read import compile_read
from interlink.mapping._rules import Keys
from interlink.mapping._strict import StrictDeclaration
from interlink.mapping._write import compile_write
from interlink.models import model_for
from interlink.pagination import compile_path

__all__ = ["compile_mapping"]


def compile_mapping(
    model: str,
    *,
    read: Any,
    write: Any = None,
    custom_fields: Any = None,
    ignore: Any = None,
    provider: str,
    resource: str,
    where: str | None = None,
) -> CompiledMapping:
    """Compile the mapping of one resource from plain data (what YAML gives).

    Every problem is a `ConfigError` raised here, never at the first record
    (several at once are a `MappingConfigError` listing each),
    naming its place: `where` prefixes it (default `resources.<resource>`), so
    a bad enum value reads `resources.contacts.read.lifecycle_stage.transform.enum.lead`.
    """
    at = f"resources.{resource}" if where is None else where
    unified = model_for(model, where=f"{at}.model")
    problems = Problems()
    compiled = problems.run(
        lambda: compile_read(
            read, custom_fields, model=model, provider=provider, resource=resource, where=at
        )
    )
    written = None
    if write is not None:
        written = problems.run(
            lambda: compile_write(
                write, model=model, provider=provider, resource=resource, where=at
            )
        )
    ignored = problems.run(lambda: _ignore(ignore, f"{at}.ignore"))
    problems.raise_any()
    assert compiled is not None
    assert ignored is not None
    write_function, write_source, writable = written or (None, None, frozenset[str]())
    return CompiledMapping(
        unified,
        provider,
        resource,
        compiled.function,
        compiled.source,
        write_function,
        write_source,
        reads=compiled.reads,
        objects=compiled.objects,
        writable=writable,
        declaration=StrictDeclaration(compiled.reads, compiled.customs, ignored, compiled.types),
    )


def _ignore(declaration: Any, where: str) -> tuple[Keys, ...]:
    """`ignore:`: vendor paths strict mode accepts though nothing reads them."""
    if declaration is None:
        return ()
    if not isinstance(declaration, list) or not all(isinstance(p, str) for p in declaration):
        raise ConfigError(where, "must be a list of vendor paths (properties.hs_object_id)")
    return tuple(
        compile_path(path, where=f"{where}[{i}]").keys for i, path in enumerate(declaration)
    )
