"""Pagination declarations from plain data (a connector spec's YAML).

```python
paginator_from_mapping(
    {"type": "cursor", "cursor_path": "paging.next.after", "cursor_param": "after"}
)
```

`type` picks the strategy; every other key is a field of its declaration.
A bad declaration is a `ConfigError` naming the key (`pagination.page_size`),
raised here, once, rather than on the first page of a sync.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, fields
from typing import Any

from interlink._errors import ConfigError
from interlink.pagination._base import PaginatorSpec
from interlink.pagination._cursor import CursorPagination, HeaderCursorPagination
from interlink.pagination._link import LinkHeaderPagination, NextUrlPagination
from interlink.pagination._offset import OffsetPagination, PageNumberPagination
from interlink.pagination._single import SinglePage
from interlink.pagination._window import TimeWindowPagination

__all__ = ["PAGINATION_TYPES", "paginator_from_mapping"]

PAGINATION_TYPES: Mapping[str, type[PaginatorSpec]] = {
    "offset": OffsetPagination,
    "page_number": PageNumberPagination,
    "cursor": CursorPagination,
    "header_cursor": HeaderCursorPagination,
    "link_header": LinkHeaderPagination,
    "next_url": NextUrlPagination,
    "time_window": TimeWindowPagination,
    "single_page": SinglePage,
}

# Annotation text -> (accepts, what the error says was expected).
_KINDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "int": (int, "an integer"),
    "str": (str, "a string"),
    "bool": (bool, "true or false"),
    "tuple[str, ...]": ((list, tuple), "a list of strings"),
}


def paginator_from_mapping(
    mapping: Mapping[str, Any], *, where: str = "pagination"
) -> PaginatorSpec:
    """Build a pagination declaration; `where` prefixes the key named in errors."""
    if not isinstance(mapping, Mapping):
        raise ConfigError(where, f"must be a mapping with a 'type', got {type(mapping).__name__}")
    kind = mapping.get("type")
    if not isinstance(kind, str) or kind not in PAGINATION_TYPES:
        expected = ", ".join(sorted(PAGINATION_TYPES))
        problem = "is required" if kind is None else f"unknown pagination type {kind!r}"
        raise ConfigError(f"{where}.type", f"{problem}; expected one of: {expected}")
    cls = PAGINATION_TYPES[kind]
    init_fields = [f for f in fields(cls) if f.init]  # type: ignore[arg-type]
    declared = {f.name: str(f.type) for f in init_fields}
    for f in init_fields:
        if f.default is MISSING and f.default_factory is MISSING and f.name not in mapping:
            raise ConfigError(f"{where}.{f.name}", f"is required for pagination type {kind!r}")
    kwargs: dict[str, Any] = {}
    for key, value in mapping.items():
        if key == "type":
            continue
        if key not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise ConfigError(
                f"{where}.{key}", f"unknown key for pagination type {kind!r}; known keys: {known}"
            )
        kwargs[key] = _check(f"{where}.{key}", declared[key], value)
    try:
        return cls(**kwargs)
    except ConfigError as error:
        raise ConfigError(f"{where}.{error.where}", error.problem) from None


def _check(where: str, annotation: str, value: Any) -> Any:
    options = [option.strip() for option in annotation.split("|")]
    if value is None:
        if "None" in options:
            return None
        raise ConfigError(where, "is required, got null")
    expected: list[str] = []
    for option in options:
        if option == "None":
            continue
        accepts, description = _KINDS[option]
        expected.append(description)
        # bool is an int in Python; a YAML `true` is never a page size.
        if isinstance(value, bool) and option != "bool":
            continue
        if not isinstance(value, accepts):
            continue
        if isinstance(value, list | tuple):
            if not all(isinstance(item, str) for item in value):
                raise ConfigError(where, "must be a list of strings")
            return tuple(value)
        return value
    raise ConfigError(where, f"expected {' or '.join(expected)}, got {value!r}")
