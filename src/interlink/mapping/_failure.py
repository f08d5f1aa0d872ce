"""Turning a transform's complaint into a `MappingError` that names the record."""

from __future__ import annotations

from collections.abc import Callable

from jmespath.exceptions import JMESPathTypeError

from interlink._errors import MappingError
from interlink.mapping._transform import TransformError, type_name

__all__ = ["Failure", "failure", "not_an_object"]

Failure = Callable[[Exception, str | None, str | None, str | None], MappingError]


def failure(provider: str, resource: str) -> Failure:
    """The error builder a generated function calls from its `except` clause."""

    def build(
        exc: Exception, field: str | None, remote_id: str | None, connection_id: str | None
    ) -> MappingError:
        if isinstance(exc, TransformError):
            problem, value_type = exc.problem, exc.value_type
        elif isinstance(exc, JMESPathTypeError):
            # Its message quotes the value: keep only the function and the types.
            problem = (
                f"expression failed: {exc.function_name}() expected {', '.join(exc.expected_types)}"
            )
            value_type = str(exc.actual_type)
        else:
            problem, value_type = f"expression failed ({type(exc).__name__})", None
        return MappingError(
            problem,
            provider=provider,
            resource=resource,
            connection_id=connection_id,
            remote_id=remote_id,
            field=field,
            value_type=value_type,
        )

    return build


def not_an_object(provider: str, resource: str) -> Callable[[object, str | None], MappingError]:
    """The error for a record that is not a JSON object at all."""

    def build(record: object, connection_id: str | None) -> MappingError:
        return MappingError(
            "a record must be a JSON object",
            provider=provider,
            resource=resource,
            connection_id=connection_id,
            value_type=type_name(record),
        )

    return build
