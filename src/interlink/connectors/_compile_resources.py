"""The `resources:` section: requests, paginators and the compiled mapping of each resource."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from interlink._errors import ConfigError
from interlink.connectors._collect import Collector
from interlink.connectors._condition import compile_condition
from interlink.connectors._hooks import Hook
from interlink.connectors._spec import LISTINGS, OPERATIONS, Operation, RequestSpec, ResourceSpec
from interlink.connectors._templates import Scope, Template, compile_tree, tree_templates
from interlink.mapping import CompiledMapping, compile_mapping
from interlink.models import model_for
from interlink.pagination import PaginatorSpec, SinglePage, compile_path, paginator_from_mapping

__all__ = ["ResourceContext", "compile_resources"]

_METHODS: Mapping[str, str] = {
    "list": "GET", "incremental": "GET", "deleted": "GET", "get": "GET",
    "create": "POST", "update": "PATCH", "delete": "DELETE",
}  # fmt: skip
_WRITES = ("create", "update")


@dataclass(frozen=True, slots=True)
class ResourceContext:
    """What the rest of the spec tells the resources: names they may use, the defaults."""

    provider: str
    variables: frozenset[str]
    api_version: bool
    pagination: PaginatorSpec | None
    hooks: Mapping[str, Hook]
    deferred: frozenset[str] = frozenset()
    """Variables read from the token answer, which requests may not use."""


def compile_resources(
    data: Any, context: ResourceContext, collect: Collector
) -> tuple[dict[str, ResourceSpec], set[str]]:
    """Every valid resource, and every `endpoint` name its requests declare."""
    out: dict[str, ResourceSpec] = {}
    endpoints: set[str] = set()
    if not isinstance(data, Mapping):
        return out, endpoints
    models: dict[str, str] = {}  # model -> the resource that maps to it
    for name, resource in data.items():
        built = _resource(str(name), resource, context, collect)
        if built is not None:
            first = models.setdefault(built.model, built.name)
            if first != built.name:
                # Record ids derive from (connection, model, remote id): two resources of one
                # model would write each other's records (and collide on equal remote ids).
                collect.add(
                    f"resources.{built.name}.model",
                    f"{built.model} is already the model of resource {first!r}; a spec maps "
                    "each unified model from one resource",
                )
                continue
            out[built.name] = built
        if isinstance(resource, Mapping):  # as written, so a broken resource still names its own
            ops = [resource.get(op) for op in OPERATIONS]
            endpoints.update(
                str(o["endpoint"]) for o in ops if isinstance(o, Mapping) and "endpoint" in o
            )
    return out, endpoints


def _mapping(name: str, data: Mapping[str, Any], provider: str) -> CompiledMapping:
    """The one place the mapping package is called: switch here if its API changes."""
    model_for(data["model"], where=f"resources.{name}.model")
    return compile_mapping(
        data["model"],
        read=data["read"],
        write=data.get("write"),
        custom_fields=data.get("custom_fields"),
        ignore=data.get("ignore"),
        provider=provider,
        resource=name,
        where=f"resources.{name}",
    )


def _resource(
    name: str, data: Mapping[str, Any], context: ResourceContext, collect: Collector
) -> ResourceSpec | None:
    at = f"resources.{name}"
    problems_before = len(collect.problems)
    mapping = None
    if not collect.blocked(f"{at}.model"):
        mapping = collect.run(f"{at}.read", lambda: _mapping(name, data, context.provider))
    id_path = collect.run(f"{at}.id", lambda: compile_path(data.get("id", "id"), where=f"{at}.id"))
    operations: dict[Operation, RequestSpec] = {}
    for op in OPERATIONS:
        if op in data:
            where = f"{at}.{op}"
            built = collect.run(where, partial(_request, op, data[op], data, context, where))
            if built is not None:
                operations[op] = built
    for write in _WRITES:
        if write in data and "write" not in data:
            collect.add(
                f"{at}.{write}", "needs a `write` mapping on the resource to build its body"
            )
    if len(collect.problems) > problems_before or mapping is None or id_path is None:
        return None
    return ResourceSpec(name, str(data["model"]), id_path, mapping, operations)


def _scope(op: str, context: ResourceContext) -> Scope:
    return Scope(
        variables=context.variables,
        deferred=context.deferred,
        api_version=context.api_version,
        record_id=op in ("get", "update", "delete"),
        watermark=op == "incremental",
    )


def _paginator(
    op: str,
    data: Mapping[str, Any],
    resource: Mapping[str, Any],
    context: ResourceContext,
    where: str,
) -> PaginatorSpec | None:
    if op not in LISTINGS:
        return None
    if "pagination" in data:
        spec = paginator_from_mapping(data["pagination"], where=f"{where}.pagination")
    else:
        spec = context.pagination or SinglePage()
    size = resource.get("page_size")
    if size is not None:
        if not hasattr(spec, "page_size"):
            raise ConfigError(
                where.rsplit(".", 1)[0] + ".page_size",
                f"the {op} paginator ({type(spec).__name__}) has no page size to set",
            )
        try:
            spec = dataclasses.replace(spec, page_size=size)  # type: ignore[type-var]
        except ConfigError as exc:
            raise ConfigError(
                where.rsplit(".", 1)[0] + ".page_size", f"for the {op} paginator, {exc}"
            ) from None
    return spec


def _request(
    op: str,
    data: Mapping[str, Any],
    resource: Mapping[str, Any],
    context: ResourceContext,
    where: str,
) -> RequestSpec:
    scope = _scope(op, context)
    path = Template.parse(data["path"], where=f"{where}.path")
    scope.check(path, f"{where}.path")
    if scope.record_id and not any(ref.kind == "id" for ref in path.refs):
        raise ConfigError(f"{where}.path", "must contain {id}: the record this request is about")
    trees = {
        key: compile_tree(data.get(key), where=f"{where}.{key}")
        for key in ("params", "json", "headers")
    }
    for key, tree in trees.items():
        for template, at in tree_templates(tree, f"{where}.{key}"):
            scope.check(template, at)
    hook = _named_hook(data, "hook", context, where)
    records_hook = _named_hook(data, "records_hook", context, where)
    read_back = data.get("read_back", False)
    if read_back and op not in _WRITES:
        raise ConfigError(f"{where}.read_back", "applies to create and update only")
    if read_back and "get" not in resource:
        raise ConfigError(f"{where}.read_back", "needs a `get` request on the resource")
    records = data.get("records")
    body_path = data.get("body_path")
    return RequestSpec(
        method=data.get("method", _METHODS[op]),
        path=path,
        params=trees["params"] or {},
        json=trees["json"],
        headers=trees["headers"] or {},
        records=None if records is None else compile_path(records, where=f"{where}.records"),
        pagination=_paginator(op, data, resource, context, where),
        endpoint=data.get("endpoint"),
        body_path=None
        if body_path is None
        else compile_path(body_path, where=f"{where}.body_path"),
        idempotency_header=data.get("idempotency_header"),
        hook=hook,
        records_hook=records_hook,  # type: ignore[arg-type]  # a hook's signature is its own
        read_back=bool(read_back),
        condition=compile_condition(op, data.get("condition"), where=f"{where}.condition"),
    )


def _named_hook(
    data: Mapping[str, Any], key: str, context: ResourceContext, where: str
) -> Hook | None:
    """The hook `data[key]` names, declared under `hooks`."""
    if key not in data:
        return None
    hook = context.hooks.get(data[key])
    if hook is None:
        known = ", ".join(context.hooks) or "none"
        raise ConfigError(
            f"{where}.{key}",
            f"names no hook declared under `hooks` ({data[key]!r}; declared: {known})",
        )
    return hook
