"""`connect`: open a connection to a provider from its spec and a customer's credentials."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from interlink._clock import Clock, SystemClock
from interlink._errors import ConfigError
from interlink.auth import TokensRotated
from interlink.client._auth_variables import Deferred, deferred_variable
from interlink.client._build import build_pipeline, credential_partition
from interlink.client._connection import Connection
from interlink.connectors import AuthMethodSpec, ConnectorRegistry, ConnectorSpec, RenderContext
from interlink.http import AiohttpTransport, Transport
from interlink.state import State

__all__ = ["connect"]


def _variables(
    spec: ConnectorSpec, given: Mapping[str, str], method: AuthMethodSpec
) -> tuple[dict[str, str], list[Deferred]]:
    """The variables' values; those the token answer will give hold a placeholder until then."""
    unknown = sorted(set(given) - set(spec.variables))
    if unknown:
        known = ", ".join(spec.variables) or "none"
        raise ConfigError(
            f"variables.{unknown[0]}",
            f"{spec.provider} declares no such variable (declared: {known})",
        )
    out: dict[str, str] = {}
    deferred: list[Deferred] = []
    for name, declared in spec.variables.items():
        value = given.get(name, declared.default)
        if value is None and declared.source == "auth":
            if not method.is_oauth:
                raise ConfigError(
                    f"variables.{name}",
                    f"is required by {spec.provider} with auth method {method.name!r}: only an "
                    f"OAuth method reads it from the token answer ({declared.field})",
                )
            later = deferred_variable(declared)
            deferred.append(later)
            out[name] = later.placeholder
            continue
        if value is None:
            raise ConfigError(
                f"variables.{name}",
                f"is required by {spec.provider}: {declared.description or 'no description'}",
            )
        if declared.pattern is not None and not re.fullmatch(declared.pattern, value):
            raise ConfigError(f"variables.{name}", f"must match {declared.pattern!r}")
        out[name] = value
    return out, deferred


def _strict(spec: ConnectorSpec) -> ConnectorSpec:
    """The spec with each resource's mapping refusing drift (one detector per connection)."""
    resources = {
        name: replace(resource, mapping=resource.mapping.strict_copy())
        for name, resource in spec.resources.items()
    }
    return replace(spec, resources=resources)


def connect(
    provider: str | ConnectorSpec,
    *,
    credentials: Mapping[str, str],
    variables: Mapping[str, str] | None = None,
    auth_method: str | None = None,
    connection_id: str | None = None,
    state: State | None = None,
    transport: Transport | None = None,
    registry: ConnectorRegistry | None = None,
    clock: Clock | None = None,
    on_tokens_rotated: TokensRotated | None = None,
    strict: bool = False,
) -> Connection:
    """A `Connection` to `provider` (a name in `registry`, default built-ins + user folders).

    `auth_method` picks one of the spec's methods (default: the spec's default).
    `connection_id` scopes record ids and the circuit breaker; by default it
    is derived from the provider and a hash of the credential. `transport`
    defaults to aiohttp; pass an `ASGITransport` to talk to a simulator.
    Nothing is sent until the first call. Bad input is a `ConfigError`.
    `strict=True` (development and tests) makes a record that drifts from its
    mapping and from the first record read (a new field, a missing one, a
    changed type) a `MappingError` naming the field; the default is permissive.
    """
    spec = (
        provider
        if isinstance(provider, ConnectorSpec)
        else (registry or ConnectorRegistry.default()).get(provider)
    )
    if strict:
        spec = _strict(spec)
    method_name = auth_method or spec.default_auth
    method = spec.auth_methods.get(method_name)
    if method is None:
        known = ", ".join(spec.auth_methods)
        raise ConfigError(
            "auth_method", f"{spec.provider} has no auth method {method_name!r}; known: {known}"
        )
    values, deferred = _variables(spec, variables or {}, method)
    clock = clock or SystemClock()
    context = RenderContext(
        credentials=dict(credentials),
        variables=values,
        api_version=spec.api_version.value if spec.api_version else None,
        clock=clock,
    )
    if not re.match(r"https?://", spec.base_url.render(context)):
        first = next((r.name for r in spec.base_url.refs), "base_url")
        raise ConfigError(f"variables.{first}", "must make base_url an http:// or https:// URL")
    if connection_id is None:
        connection_id = (
            f"{spec.provider}-{credential_partition(method, credentials).rpartition(':')[2][:12]}"
        )
    pipeline = build_pipeline(
        spec,
        method,
        context,
        connection_id=connection_id,
        state=state or State.in_process(clock=clock),
        transport=transport or AiohttpTransport(),
        clock=clock,
        on_tokens_rotated=on_tokens_rotated,
        deferred=deferred,
    )
    headers = {}
    if spec.api_version is not None and spec.api_version.placement == "header":
        assert spec.api_version.header is not None
        headers[spec.api_version.header] = spec.api_version.value
    return Connection(spec, pipeline, context, connection_id=connection_id, headers=headers)
