"""JMESPath expressions, compiled once, and the record fields each one reads.

Knowing which fields an expression reads lets `custom_fields` leave them out
(`except_mapped`) and lets a write run the rule only when its fields were
given. Only fields read from the record itself count: names inside a
projection or filter are relative to list items.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

from interlink._errors import ConfigError

__all__ = ["compile_expression", "fields_read"]

# Node types whose first child is evaluated against the current object and the rest
# against something else (list items, a projection's elements, a pipe's left result).
_FIRST_CHILD_ONLY = frozenset(
    {"projection", "value_projection", "filter_projection", "flatten", "index_expression",
     "subexpression", "pipe"}
)  # fmt: skip

Chain = tuple[str, ...]


def compile_expression(source: Any, *, where: str) -> ParsedResult:
    """A compiled JMESPath expression; a syntax error is a `ConfigError` at `where`."""
    if not isinstance(source, str) or not source.strip():
        raise ConfigError(where, "must be a non-empty JMESPath expression string")
    try:
        return jmespath.compile(source)
    except JMESPathError as exc:
        raise ConfigError(where, f"bad JMESPath expression: {exc}") from None


def _chain(node: Mapping[str, Any]) -> Chain | None:
    kind = node["type"]
    if kind == "field":
        return (node["value"],)
    if kind == "subexpression":
        left, right = (_chain(child) for child in node["children"])
        return None if left is None or right is None else left + right
    if kind == "index_expression":
        return _chain(node["children"][0])
    return None


def _walk(node: Mapping[str, Any]) -> Iterator[Chain]:
    chain = _chain(node)
    if chain is not None:
        yield chain
        return
    children = node.get("children", [])
    if node["type"] in _FIRST_CHILD_ONLY:
        children = children[:1]
    for child in children:
        if isinstance(child, dict) and "type" in child:
            yield from _walk(child)


def fields_read(expression: ParsedResult) -> tuple[Chain, ...]:
    """The field paths an expression reads from the object it is applied to."""
    return tuple(dict.fromkeys(_walk(expression.parsed)))
