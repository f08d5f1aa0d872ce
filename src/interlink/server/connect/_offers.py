"""Which providers an end user can connect, and how: an OAuth sign-in or a credentials form.

A provider is offered through OAuth when the product registered an OAuth app
for it and its spec has an authorization-code method (`authorize_url`);
otherwise through its default static method (API key, bearer token, basic),
or its first static one. A provider with neither is not offered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from interlink.connectors import AuthMethodSpec, ConnectorRegistry, ConnectorSpec, VariableSpec
from interlink.server.connect._config import OAuthApp

__all__ = ["Field", "Offer", "offer_for", "offers"]

_STATIC = ("bearer", "api_key", "basic")


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a form: a credential (`secret`) or a connection variable."""

    name: str
    label: str
    secret: bool
    pattern: str | None = None
    hint: str | None = None
    value: str = ""


@dataclass(frozen=True, slots=True)
class Offer:
    """How `spec`'s provider is connected here."""

    spec: ConnectorSpec
    kind: Literal["oauth", "form"]
    method: AuthMethodSpec
    variables: tuple[VariableSpec, ...]
    """The variables the end user must give (no default, not read from a token answer)."""

    @property
    def credentials(self) -> tuple[str, ...]:
        return tuple(sorted(self.method.credentials))

    def fields(self, values: Mapping[str, str] | None = None) -> list[Field]:
        """The form's inputs: variables first (their values kept), then credentials (never)."""
        values = values or {}
        out = [
            Field(v.name, _label(v.name), False, v.pattern, v.description, values.get(v.name, ""))
            for v in self.variables
        ]
        if self.kind == "form":
            out += [Field(name, _label(name), True) for name in self.credentials]
        return out

    def bad_variables(self, values: Mapping[str, str]) -> list[str]:
        """What is wrong with the given variables, one sentence each."""
        problems = []
        for variable in self.variables:
            value = values.get(variable.name, "")
            if not value:
                problems.append(f"{_label(variable.name)} is required")
            elif variable.pattern is not None and not re.fullmatch(variable.pattern, value):
                problems.append(f"{_label(variable.name)} must match {variable.pattern}")
        return problems


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def offer_for(spec: ConnectorSpec, apps: Mapping[str, OAuthApp]) -> Offer | None:
    methods = spec.auth_methods
    if spec.provider in apps:
        oauth = next(
            (
                m
                for m in methods.values()
                if m.type == "oauth2_refresh_token" and m.authorize_url and m.token_url
            ),
            None,
        )
        if oauth is not None:
            wanted = tuple(
                v for v in spec.variables.values() if v.source == "connection" and v.default is None
            )
            return Offer(spec, "oauth", oauth, wanted)
    default = methods.get(spec.default_auth)
    static = (
        default
        if default is not None and default.type in _STATIC
        else next((m for m in methods.values() if m.type in _STATIC), None)
    )
    if static is None:
        return None
    wanted = tuple(v for v in spec.variables.values() if v.default is None)
    return Offer(spec, "form", static, wanted)


def offers(
    registry: ConnectorRegistry, apps: Mapping[str, OAuthApp], allowed: tuple[str, ...] | None
) -> list[Offer]:
    """Every provider the end user may connect, by title."""
    found = [
        offer
        for spec in registry
        if allowed is None or spec.provider in allowed
        if (offer := offer_for(spec, apps)) is not None
    ]
    return sorted(found, key=lambda o: o.spec.title.lower())
