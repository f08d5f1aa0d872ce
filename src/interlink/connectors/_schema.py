"""Checking a spec's data against the JSON Schema, as problems a person can act on.

jsonschema's own messages repeat the whole offending value; these name the
key and what was expected instead (`unknown key 'fist_name' (did you mean
'first_name'?)`), and point at the key itself rather than its parent.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from interlink.connectors._schema_doc import connector_schema
from interlink.connectors._yaml import Path

__all__ = ["did_you_mean", "schema_problems"]

_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(connector_schema())


def did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def schema_problems(data: Any) -> list[tuple[Path, str]]:
    """Every schema violation of `data`, as (path, message), in document order."""
    found: list[tuple[Path, str]] = []
    for error in _validator().iter_errors(data):
        found.extend(_explain(error))
    return list(dict.fromkeys(found))  # the same problem can come through two branches


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _explain(error: ValidationError) -> Iterator[tuple[Path, str]]:
    path: Path = tuple(error.absolute_path)
    kind, schema, value = error.validator, error.schema, error.instance
    if kind == "required":
        match = _REQUIRED.match(error.message)
        key = match[1] if match else str(error.validator_value)
        yield (*path, key), "is required"
    elif kind == "additionalProperties" and isinstance(value, Mapping):
        known = list(schema.get("properties", {}))
        for key in value:
            if key not in known:
                expected = ", ".join(known)
                yield (
                    (*path, key),
                    f"unknown key{did_you_mean(key, known)}; expected one of: {expected}",
                )
    elif kind == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        name = schema.get("x-name")
        if name:
            hint = did_you_mean(str(value), [str(c) for c in error.validator_value])
            yield path, f"unknown {name} {value!r}{hint}; expected one of: {choices}"
        else:
            yield path, f"must be one of: {choices}; got {value!r}"
    elif kind == "const":
        yield path, f"must be {error.validator_value!r}, got {value!r}"
    elif kind == "type":
        wanted = error.validator_value
        wanted = wanted if isinstance(wanted, list) else [wanted]
        expected = " or ".join(_TYPE_NAMES.get(str(w), str(w)) for w in wanted)
        yield path, f"must be {expected}, got {_json_type(value)}"
    elif kind == "pattern":
        what = f" ({schema['description']})" if "description" in schema else ""
        yield path, f"{value!r} does not match the pattern {error.validator_value!r}{what}"
    elif kind == "propertyNames":
        yield (
            path,
            f"bad name {value!r}: names are letters, digits and '_', not starting with a digit",
        )
    elif kind == "minProperties":
        yield path, "must not be empty"
    else:
        yield path, error.message
