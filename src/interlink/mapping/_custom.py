"""Custom fields: the vendor fields a model has no place for, kept by their vendor names.

```yaml
custom_fields: {from: properties}                      # HubSpot: every unmapped property
custom_fields: {from: $, keys: "__c$"}                 # Salesforce: custom fields by suffix
custom_fields: {from: $, keys: "^[0-9a-f]{40}$"}       # Pipedrive v1: 40-character hash keys
custom_fields: [{from: custom_fields}, {from: $, keys: "^cf_"}]   # several sources, merged
```

`from` is the object whose keys are candidates, `keys` an optional regular
expression a key must match (searched, so anchor it), `exclude` a list of
keys never to keep, and `except_mapped` (default true) leaves out keys a
read rule already maps, so the same value does not appear twice. `fields`
lists the keys a source without `keys` is expected to bring: it changes
nothing in what is kept, but strict mode accepts those keys (and the
excluded ones) and refuses others where rules also read (docs/mapping.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from interlink._errors import ConfigError
from interlink.mapping._codegen import Emitter
from interlink.mapping._problems import Problems
from interlink.mapping._rules import Keys
from interlink.models._registry import suggest
from interlink.pagination import BodyPath, compile_path

__all__ = ["CustomFields", "emit_custom_fields", "parse_custom_fields"]

_KEYS = ("from", "keys", "exclude", "except_mapped", "fields")


@dataclass(frozen=True, slots=True)
class CustomFields:
    """One source of custom fields."""

    source: BodyPath
    keys: re.Pattern[str] | None
    exclude: frozenset[str]
    fields: frozenset[str] = frozenset()
    """Keys declared for strict mode (`fields:` and `exclude:`); kept or not as before."""


def _one(decl: Any, where: str, mapped: tuple[Keys, ...]) -> CustomFields:
    if not isinstance(decl, Mapping):
        raise ConfigError(where, "must be a mapping like {from: properties}")
    for key in decl:
        if key not in _KEYS:
            raise ConfigError(
                f"{where}.{key}",
                f"unknown key{suggest(str(key), _KEYS)}; expected one of: {', '.join(_KEYS)}",
            )
    if "from" not in decl:
        raise ConfigError(
            f"{where}.from",
            "is required: the path of the object holding the fields ($ for the record)",
        )
    source = compile_path(decl["from"], where=f"{where}.from")
    pattern = None
    if decl.get("keys") is not None:
        try:
            pattern = re.compile(decl["keys"])
        except (re.error, TypeError) as exc:
            raise ConfigError(f"{where}.keys", f"bad regular expression: {exc}") from None
    exclude = decl.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(k, str) for k in exclude):
        raise ConfigError(f"{where}.exclude", "must be a list of key names")
    fields = decl.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(k, str) for k in fields):
        raise ConfigError(f"{where}.fields", "must be a list of key names")
    except_mapped = decl.get("except_mapped", True)
    if not isinstance(except_mapped, bool):
        raise ConfigError(f"{where}.except_mapped", "must be true or false")
    skipped = set(exclude)
    if except_mapped:
        depth = len(source.keys)
        skipped.update(
            str(path[depth]) for path in mapped if len(path) > depth and path[:depth] == source.keys
        )
    return CustomFields(source, pattern, frozenset(skipped), frozenset(fields) | set(exclude))


def parse_custom_fields(
    declaration: Any, *, where: str, mapped: Iterable[Keys]
) -> tuple[CustomFields, ...]:
    """Parse `custom_fields:` (one mapping or a list of them); `mapped` are the paths rules read."""
    if declaration is None:
        return ()
    paths = tuple(mapped)
    if not isinstance(declaration, list):
        return (_one(declaration, where, paths),)
    problems = Problems()
    found = [
        problems.run(lambda d=d, i=i: _one(d, f"{where}[{i}]", paths))  # type: ignore[misc]
        for i, d in enumerate(declaration)
    ]
    problems.raise_any()
    return tuple(c for c in found if c is not None)


def emit_custom_fields(emitter: Emitter, sources: tuple[CustomFields, ...], root: str) -> str:
    """Emit the collection of custom fields from `root`; the name of the resulting dict."""
    result = emitter.fresh("_cf")
    picks = []
    for custom in sources:
        found = emitter.path(root, custom.source.keys)
        keep = f"_ck not in {emitter.bind(custom.exclude, '_ex')}"
        if custom.keys is not None:
            keep += f" and {emitter.bind(custom.keys.search, '_re')}(_ck)"
        comprehension = f"{{_ck: _cv for _ck, _cv in {found}.items() if {keep}}}"
        picks.append(f"({comprehension} if isinstance({found}, dict) else {{}})")
    if len(picks) == 1:
        emitter.line(f"{result} = {picks[0]}")
    else:  # later sources win on a clash, like a dict merge
        emitter.line(f"{result} = {{{', '.join('**' + p for p in picks)}}}")
    return result
