"""Stripe's request encoding: form fields with bracket notation, in bodies and query strings.

`metadata[order]=6735&address[city]=Paris&preferred_locales[]=en&expand[0]=x`
becomes `{"metadata": {"order": "6735"}, "address": {"city": "Paris"},
"preferred_locales": ["en"], "expand": ["x"]}`. Values stay strings, as on the
wire; each parameter's validator converts them. An empty value is kept: Stripe
reads it as "unset this field".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from interlink.simulators._http import RequestError

__all__ = ["parse_form"]

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def parse_form(raw: str) -> dict[str, Any]:
    """Decode `a[b][c]=v` pairs into nested dicts; `[]` and all-digit keys make lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        match = _KEY.match(key)
        if match is None:
            raise RequestError(f"Invalid request: malformed parameter name {key!r}.", 400)
        path = [match.group(1), *_SEGMENT.findall(match.group(2))]
        node: dict[str, Any] = root
        for depth, segment in enumerate(path[:-1]):
            nxt = path[depth + 1]
            child = node.get(segment)
            if nxt == "":  # a[]=v: append to a list
                if not isinstance(child, list):
                    child = node[segment] = []
                break
            if not isinstance(child, dict):
                child = node[segment] = {}
            node = child
        else:
            node[path[-1]] = value
            continue
        child.append(value)
    return {k: _listify(v) for k, v in root.items()}


def _listify(value: Any) -> Any:
    """Dicts keyed 0..n-1 (`items[0][price]=...`) are lists on Stripe's side."""
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        if value and all(k.isdigit() for k in value):
            return [value[k] for k in sorted(value, key=int)]
    return value
