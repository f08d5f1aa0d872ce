"""Schema drift: what a vendor's records stopped or started carrying, seen while mapping them.

A `DriftDetector` profiles the fields of the records of one (connection,
resource): the keys of the record and of every object the mapping reads into
(`properties` for HubSpot), with their JSON types. Its baseline is what the
mapping reads plus the first record it observes (or a profile saved from an
earlier run); after that it reports

- `new_field`: a field neither the mapping nor the baseline knew;
- `missing_field`: a field the mapping reads, present in the baseline, now absent;
- `type_changed`: a field whose (non-null) JSON type differs from the first one seen.

Findings hold field paths and type names, never values. The hot path is one
signature per record (its keys and their value types, as tuples) looked up in
a cache of signatures already checked, so 100,000 records of a few shapes cost
a dict lookup each, not a field-by-field comparison.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from interlink._errors import MappingError

__all__ = [
    "DriftDetector",
    "DriftFinding",
    "DriftKind",
    "field_of",
    "json_type",
    "profile_fields",
    "profiled_objects",
    "signature_function",
]

DriftKind = Literal["new_field", "missing_field", "type_changed"]
Keys = tuple[str | int, ...]

_JSON_TYPES: dict[type, str] = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    dict: "object",
    list: "array",
    type(None): "null",
}
_CACHE_LIMIT = 4096  # distinct record shapes remembered; beyond it the cache starts over


def json_type(value: object) -> str:
    """The JSON type name of a decoded value (`number` for ints and floats alike)."""
    return _JSON_TYPES.get(type(value)) or type(value).__name__


@dataclass(frozen=True, slots=True)
class DriftFinding:
    """One kind of drift on one field, and how many records showed it since the last `take`.

    `detail` names types only (`string`, `string -> number`), never a value.
    """

    kind: DriftKind
    field: str
    detail: str
    count: int = 1


Finding = tuple[DriftKind, str, str]


class DriftDetector:
    """Profiles the records of one resource and reports how they drift from the baseline.

    ```python
    detector = compiled_mapping.drift_detector()
    detector.observe(page.records)          # cheap per record: a cached shape signature
    for finding in detector.take():         # since the last take, with counts
        store.record_drift(connection_id, resource, [(f.kind, f.field, f.detail)], now)
    ```

    `check(record)` raises a `MappingError` naming the first drifting field
    instead; strict mode (`interlink.connect(..., strict=True)`) uses it for
    changed types only, and judges new fields against the declaration
    (`StrictChecker`).
    """

    __slots__ = (
        "_baseline",
        "_counts",
        "_expected",
        "_known",
        "_nested",
        "_provider",
        "_resource",
        "_seen",
        "_signature",
        "_types",
    )

    def __init__(
        self,
        reads: Iterable[Keys],
        *,
        objects: Iterable[Keys] = (),
        provider: str | None = None,
        resource: str | None = None,
        profile: Mapping[str, str] | None = None,
    ) -> None:
        """`reads`: the paths the mapping reads; `objects`: more object paths to profile
        (custom-field sources); `profile`: a baseline saved with `profile()` earlier."""
        reads = tuple(keys for keys in reads if keys)
        self._nested = profiled_objects(reads, objects)
        self._expected = frozenset(field_of(keys, self._nested) for keys in reads)
        self._signature = signature_function(self._nested)
        self._provider = provider
        self._resource = resource
        self._seen: dict[object, tuple[Finding, ...]] = {}
        self._counts: Counter[Finding] = Counter()
        self._baseline: frozenset[str] | None = None
        self._known: frozenset[str] = self._expected
        self._types: dict[str, str] = {}
        if profile is not None:
            self._set_baseline(dict(profile.items()))

    # -- the hot path -----------------------------------------------------------------------

    def observe(self, records: Sequence[Any]) -> None:
        """Profile a page of raw vendor records (records that are not objects are skipped:
        the mapping reports those)."""
        seen, counts = self._seen, self._counts
        for record in records:
            if record.__class__ is not dict:
                continue
            signature = self._signature(record)
            found = seen.get(signature)
            if found is None:
                found = self._check(record, signature)
            if found:
                counts.update(found)

    def check(
        self,
        record: Any,
        *,
        remote_id: str | None = None,
        connection_id: str | None = None,
        kinds: frozenset[DriftKind] | None = None,
    ) -> None:
        """Raise `MappingError` naming the first drifting field of `record` (of one of `kinds`,
        all by default)."""
        if record.__class__ is not dict:
            return
        signature = self._signature(record)
        found = self._seen.get(signature)
        if found is None:
            found = self._check(record, signature)
        if kinds is not None:
            found = tuple(f for f in found if f[0] in kinds)
        if found:
            kind, field, detail = found[0]
            raise MappingError(
                f"schema drift ({kind.replace('_', ' ')}: {detail}); strict mode refuses it",
                provider=self._provider,
                resource=self._resource,
                connection_id=connection_id,
                remote_id=remote_id,
                field=field,
                value_type=detail.rpartition(" ")[2] if kind != "missing_field" else None,
            )

    def take(self) -> list[DriftFinding]:
        """The findings since the last `take`, each with its record count, then forgotten."""
        out = [DriftFinding(k, f, d, n) for (k, f, d), n in self._counts.items()]
        self._counts.clear()
        out.sort(key=lambda f: (f.field, f.kind))
        return out

    def profile(self) -> dict[str, str]:
        """The baseline (field -> JSON type, `null` when only ever null), to resume from."""
        if self._baseline is None:
            return {}
        return {name: self._types.get(name, "null") for name in sorted(self._baseline)}

    # -- the slow path: a record shape not seen before --------------------------------------

    def _set_baseline(self, fields: Mapping[str, str]) -> None:
        self._baseline = frozenset(fields)
        self._known = self._expected | self._baseline
        for name, kind in fields.items():
            if kind != "null":
                self._types.setdefault(name, kind)

    def _check(self, record: dict[str, Any], signature: object) -> tuple[Finding, ...]:
        fields = profile_fields(record, self._nested)
        if self._baseline is None:
            self._set_baseline(fields)
            found: tuple[Finding, ...] = ()
        else:
            found = tuple(self._compare(fields))
        if len(self._seen) >= _CACHE_LIMIT:
            self._seen.clear()
        self._seen[signature] = found
        return found

    def _compare(self, fields: Mapping[str, str]) -> Iterable[Finding]:
        known, types = self._known, self._types
        for name, kind in fields.items():
            if name not in known:
                yield "new_field", name, kind
            elif kind != "null":
                first = types.setdefault(name, kind)
                if first != kind:
                    yield "type_changed", name, f"{first} -> {kind}"
        assert self._baseline is not None
        for name in sorted(self._expected & self._baseline):
            parent = name.rpartition(".")[0]
            if name not in fields and (not parent or fields.get(parent) == "object"):
                # Under a parent that is null or gone, a field is not missing: its parent is.
                yield "missing_field", name, f"expected {types.get(name, 'a value')}"


def profile_fields(record: dict[str, Any], nested: Iterable[tuple[str, ...]]) -> dict[str, str]:
    """The JSON type of each key of the record and of each profiled object in it, by dotted
    field name (`properties.email`)."""
    fields = {str(k): json_type(v) for k, v in record.items()}
    for path in nested:
        node: Any = record
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            prefix = ".".join(path) + "."
            fields.update({prefix + str(k): json_type(v) for k, v in node.items()})
    return fields


def profiled_objects(reads: Iterable[Keys], objects: Iterable[Keys]) -> tuple[tuple[str, ...], ...]:
    """The object paths whose keys are profiled: where reads go into, and custom-field sources,
    with every ancestor; parents first."""
    nested = {_object_prefix(keys) for keys in reads if keys}
    nested |= {tuple(str(k) for k in path) for path in objects if _all_keys(path)}
    nested |= {p[:i] for p in nested for i in range(1, len(p))}
    nested.discard(())
    return tuple(sorted(nested, key=len))


def signature_function(nested: tuple[tuple[str, ...], ...]) -> Callable[[dict[str, Any]], object]:
    """A record's shape as one flat tuple: the keys and value types of the record and of each
    profiled object (or the type of what stands there instead), generated for these paths.

    One straight expression, because it runs for every record: built generically it cost a
    third more. Keys go into the source only as `repr()` literals.
    """
    lines, parts = [], ["tuple(rec)", "tuple(map(_type, rec.values()))"]
    names: dict[tuple[str, ...], str] = {(): "rec"}
    for path in nested:  # sorted by length: a parent is named before its children
        parent, name = names[path[:-1]], f"n{len(names)}"
        names[path] = name
        lines.append(
            f"    {name} = {parent}.get({path[-1]!r}) if {parent}.__class__ is _dict else None"
        )
        parts.append(f"tuple({name}) if {name}.__class__ is _dict else _type({name})")
        parts.append(f"tuple(map(_type, {name}.values())) if {name}.__class__ is _dict else None")
    source = "def signature(rec):\n" + "\n".join([*lines, f"    return ({', '.join(parts)},)"])
    namespace: dict[str, Any] = {"_type": type, "_dict": dict}
    exec(compile(source, "<interlink drift signature>", "exec"), namespace)  # noqa: S102
    function: Callable[[dict[str, Any]], object] = namespace["signature"]
    return function


def _object_prefix(keys: Keys) -> tuple[str, ...]:
    """The leading object keys of a path (up to its last key, and never past an index)."""
    prefix: list[str] = []
    for key, after in itertools.pairwise(keys):
        if isinstance(key, int) or isinstance(after, int):
            break  # a list holds what follows: profiled as the list's own field
        prefix.append(key)
    return tuple(prefix)


def _all_keys(path: Keys) -> bool:
    return all(isinstance(k, str) for k in path)


def field_of(keys: Keys, nested: tuple[tuple[str, ...], ...]) -> str:
    """The profiled field a read path lands on: its longest profiled object prefix + 1 key."""
    depth = 0
    for path in nested:
        if len(path) > depth and tuple(keys[: len(path)]) == path:
            depth = len(path)
    head = keys[: depth + 1]
    return ".".join(str(k) for k in head if not isinstance(k, int)) or "$"
