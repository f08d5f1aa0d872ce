"""A spec's data, checked against the schema and for meaning, compiled into a `ConnectorSpec`.

Every section compiles on its own so one run reports every problem; if there
is any, `SpecError` lists them all and nothing is returned (all or nothing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from interlink._errors import ConfigError
from interlink.breaker import BreakerConfig
from interlink.connectors._collect import Collector
from interlink.connectors._compile_auth import compile_auth
from interlink.connectors._compile_resources import ResourceContext, compile_resources
from interlink.connectors._globs import compile_glob
from interlink.connectors._hooks import Hook, resolve_hook
from interlink.connectors._problems import SpecError
from interlink.connectors._schema import schema_problems
from interlink.connectors._spec import ApiVersionSpec, ConnectorSpec, VariableSpec, WebhookSpec
from interlink.connectors._templates import Scope, Template
from interlink.http import ErrorContract
from interlink.pagination import compile_path, paginator_from_mapping
from interlink.ratelimit import policy_from_mapping
from interlink.retry import RetryPolicy

__all__ = ["compile_spec"]


def compile_spec(data: Any, collect: Collector, *, source: Path | None = None) -> ConnectorSpec:
    """Compile `data`; raise `SpecError` with every problem (including those already collected)."""
    collect.add_schema(schema_problems(data))
    if not isinstance(data, Mapping):
        raise SpecError(collect.problems)
    declared = data.get("variables") or {}
    variables: dict[str, VariableSpec] = {}
    for name, decl in declared.items() if isinstance(declared, Mapping) else ():
        built = collect.run(f"variables.{name}", partial(_variable, str(name), decl))
        if built is not None:
            variables[built.name] = built
    # Every declared name, even one whose declaration is broken: its users are not wrong.
    names = frozenset(map(str, declared)) if isinstance(declared, Mapping) else frozenset()
    deferred = frozenset(n for n, v in variables.items() if v.source == "auth")
    api_version = collect.run("api_version", lambda: _api_version(data.get("api_version")))
    base_scope = Scope(variables=names, api_version=api_version is not None)
    base_url = collect.run("base_url", lambda: _checked(data["base_url"], "base_url", base_scope))
    methods, default = compile_auth(data.get("auth"), names, collect, deferred)
    if deferred and methods and not any(m.is_oauth for m in methods.values()):
        for name in sorted(deferred):
            collect.add(
                f"variables.{name}.from",
                "no auth method is OAuth, so there is no token answer to read it from; "
                "use `from: connection`",
            )
    credentials = frozenset().union(*(m.credentials for m in methods.values()))
    limits = [
        collect.run(f"rate_limits[{i}]", partial(policy_from_mapping, r, where=f"rate_limits[{i}]"))
        for i, r in enumerate(data.get("rate_limits", []))
    ]
    errors = _optional(collect, data, "errors", ErrorContract.from_dict)
    retry = _optional(collect, data, "retry", RetryPolicy.from_dict)
    breaker = _optional(collect, data, "breaker", BreakerConfig.from_dict)
    pagination = _optional(collect, data, "pagination", paginator_from_mapping)
    hooks: dict[str, Hook] = {}
    for name, ref in (data.get("hooks") or {}).items():
        hook = collect.run(f"hooks.{name}", partial(resolve_hook, ref, where=f"hooks.{name}"))
        if hook is not None:
            hooks[name] = hook
    context = ResourceContext(
        str(data.get("provider")), names, api_version is not None, pagination, hooks, deferred
    )
    resources, endpoints = compile_resources(data.get("resources"), context, collect)
    for i, policy in enumerate(limits):
        if policy is not None and policy.endpoint is not None and policy.endpoint not in endpoints:
            known = ", ".join(sorted(endpoints)) or "none"
            collect.add(
                f"rate_limits[{i}].endpoint",
                f"no request declares endpoint {policy.endpoint!r} (declared: {known})",
            )
    webhook_scope = Scope(
        credentials=credentials,
        variables=names,
        allow_credentials=True,
        deferred=deferred,
        webhook_secrets=True,
    )
    webhooks = None
    if "webhooks" in data:
        webhooks = collect.run("webhooks", lambda: _webhooks(data["webhooks"], webhook_scope))
    allow = [
        collect.run(
            f"passthrough.allow[{i}]",
            partial(compile_glob, p, where=f"passthrough.allow[{i}]"),
        )
        for i, p in enumerate((data.get("passthrough") or {}).get("allow", []))
    ]
    if collect.problems:
        raise SpecError(collect.problems)
    assert base_url is not None
    return ConnectorSpec(
        provider=data["provider"],
        title=data["title"],
        base_url=base_url,
        auth_methods=methods,
        default_auth=default,
        resources=resources,
        categories=tuple(data.get("categories", ())),
        docs_url=data.get("docs_url"),
        variables=variables,
        api_version=api_version,
        rate_limits=tuple(p for p in limits if p is not None),
        errors=errors,
        pagination=pagination,
        retry=retry,
        breaker=breaker,
        webhooks=webhooks,
        passthrough=tuple(data["passthrough"]["allow"]) if allow else (),
        hooks=hooks,
        source=source,
        raw=data,
    )


def _optional(collect: Collector, data: Mapping[str, Any], key: str, build: Any) -> Any:
    if key not in data:
        return None
    return collect.run(key, lambda: build(data[key], where=key))


def _checked(source: str, where: str, scope: Scope) -> Template:
    template = Template.parse(source, where=where)
    scope.check(template, where)
    return template


def _variable(name: str, decl: Mapping[str, Any]) -> VariableSpec:
    where = f"variables.{name}"
    pattern = decl.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}.pattern", f"is not a regular expression: {exc}") from None
    if decl["from"] == "auth" and not decl.get("field"):
        raise ConfigError(f"{where}.field", "is required for a variable read from the token answer")
    part = decl.get("part", "value")
    if part != "value" and decl["from"] != "auth":
        raise ConfigError(f"{where}.part", "applies only to a variable read from the token answer")
    return VariableSpec(
        name,
        decl["from"],
        pattern,
        decl.get("field"),
        decl.get("description"),
        decl.get("default"),
        part,
    )


def _api_version(data: Mapping[str, Any] | None) -> ApiVersionSpec | None:
    if data is None:
        return None
    if data["in"] == "header" and not data.get("header"):
        raise ConfigError("api_version.header", "is required when the version is sent in a header")
    return ApiVersionSpec(str(data["value"]), data["in"], data.get("header"))


def _webhooks(data: Mapping[str, Any], scope: Scope) -> WebhookSpec:
    def path(key: str) -> Any:
        return None if key not in data else compile_path(data[key], where=f"webhooks.{key}")

    occurred = data.get("occurred_at")
    if isinstance(occurred, Mapping):
        compile_path(occurred.get("path", ""), where="webhooks.occurred_at.path")
    elif occurred is not None:
        compile_path(occurred, where="webhooks.occurred_at")
    secret = _checked(data["secret"], "webhooks.secret", scope)
    if not any(r.kind in ("credential", "webhook_secret") for r in secret.refs):
        raise ConfigError(
            "webhooks.secret",
            "must name where the secret is kept ({webhook_secrets.NAME} or {credentials.NAME}), "
            "never hold the secret itself",
        )
    options = data.get("options") or {}
    if data["scheme"] == "hmac" and not isinstance(options.get("header"), str):
        raise ConfigError(
            "webhooks.options.header", "is required by the hmac scheme: the signature's header"
        )
    return WebhookSpec(
        scheme=data["scheme"],
        secret=secret,
        event_id=path("event_id"),
        occurred_at=occurred,
        object_id=path("object_id"),
        event_type=path("event_type"),
        options=dict(options),
        events=path("events"),
        sequence=path("sequence"),
    )
