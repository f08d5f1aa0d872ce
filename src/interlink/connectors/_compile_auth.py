"""The `auth:` section: one method, or several with a default, into `AuthMethodSpec`s."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from interlink._errors import ConfigError
from interlink.auth._static import check_header_name, check_prefix
from interlink.connectors._collect import Collector
from interlink.connectors._spec import AuthMethodSpec
from interlink.connectors._templates import Scope, Template

__all__ = ["compile_auth"]

SINGLE = "default"
"""The method name of a spec that declares one method without naming it."""

_SECRETS = {
    "api_key": ("key",),
    "basic": ("username", "password"),
    "bearer": ("token",),
    "oauth2_client_credentials": (),
    "oauth2_refresh_token": (),
}
_OAUTH_CREDENTIALS = {
    "oauth2_client_credentials": frozenset({"client_id", "client_secret"}),
    "oauth2_refresh_token": frozenset({"client_id", "client_secret", "refresh_token"}),
}


def compile_auth(
    data: Any, variables: frozenset[str], collect: Collector, deferred: frozenset[str] = frozenset()
) -> tuple[dict[str, AuthMethodSpec], str]:
    """Every method (bad ones noted in `collect` and left out) and the default's name."""
    if not isinstance(data, Mapping):
        return {}, SINGLE
    if "methods" in data:
        methods = data.get("methods") or {}
        default = str(data.get("default", ""))
        if isinstance(methods, Mapping) and default not in methods:
            known = ", ".join(map(str, methods))
            collect.add("auth.default", f"names no declared method {default!r}; declared: {known}")
        declared = methods.items() if isinstance(methods, Mapping) else []
        prefix = "auth.methods."
    else:
        default, declared, prefix = SINGLE, [(SINGLE, data)], "auth"
    out: dict[str, AuthMethodSpec] = {}
    for name, method in declared:
        where = prefix + name if prefix != "auth" else "auth"
        built = collect.run(where, partial(_method, name, method, where, variables, deferred))
        if built is not None:
            out[name] = built
    return out, default


def _template(data: Mapping[str, Any], key: str, where: str, scope: Scope) -> Template:
    template = Template.parse(str(data[key]), where=f"{where}.{key}")
    scope.check(template, f"{where}.{key}")
    return template


def _method(
    name: str,
    data: Mapping[str, Any],
    where: str,
    variables: frozenset[str],
    deferred: frozenset[str],
) -> AuthMethodSpec:
    kind = str(data["type"])
    secrets: dict[str, Template] = {}
    for key in _SECRETS[kind]:
        if key in data:
            secrets[key] = Template.parse(str(data[key]), where=f"{where}.{key}")
    credentials = frozenset(
        ref.name for t in secrets.values() for ref in t.refs if ref.kind == "credential"
    ) | _OAUTH_CREDENTIALS.get(kind, frozenset())
    # A method declares the credentials it reads; its other templates may use variables too.
    scope = Scope(
        credentials=credentials, variables=variables, allow_credentials=True, deferred=deferred
    )
    for key, template in secrets.items():
        scope.check(template, f"{where}.{key}")
    if kind in ("api_key", "bearer") and not any(
        r.kind == "credential" for t in secrets.values() for r in t.refs
    ):
        raise ConfigError(
            f"{where}.{_SECRETS[kind][0]}", "must read a credential, e.g. '{credentials.api_key}'"
        )
    header_name = data.get("name") if kind == "api_key" else None
    placement = data.get("in", "header")
    if header_name is not None and placement == "header":
        check_header_name(f"{where}.name", str(header_name))
    prefix = data.get("prefix")
    if prefix is not None:
        check_prefix(f"{where}.prefix", str(prefix))
        if placement == "query":
            raise ConfigError(f"{where}.prefix", "only applies to a key sent in a header")
    token_url = None
    if "token_url" in data:
        token_url = _template(
            data, "token_url", where, Scope(variables=variables, deferred=deferred)
        )
    return AuthMethodSpec(
        name=name,
        type=kind,
        secrets=secrets,
        placement=placement,
        header_name=header_name,
        prefix=prefix,
        token_url=token_url,
        authorize_url=data.get("authorize_url"),
        client_auth=data.get("client_auth", "client_secret_basic"),
        scopes=tuple(data.get("scopes", ())),
        extra_params=dict(data.get("extra_params", {})),
        refresh_ratio=float(data.get("refresh_ratio", 0.8)),
        credentials=credentials,
    )
